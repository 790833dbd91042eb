/**
 * `/admin/users`: Okta users through the Management API — list and search, one user's groups
 * and sessions, and the new-user form. The state-changing actions live in `actions.tsx`.
 */
import type { Context } from 'hono';
import { Hono } from 'hono';
import type { FC } from 'hono/jsx';
import { requirePermission } from '@gatehouse/auth/hono';
import { z } from 'zod';
import type { AuthEnv, AuthState, GatehouseConfig, AppDeps } from '../../../app-context.ts';
import { DirectoryError, directoryOffReason, MAX_LISTED, type DirectoryGroup, type DirectoryUser } from '../../../management-api/directory.ts';
import { Flash, formatTime, Notice, PageHeader } from '../../../views/components.tsx';
import { Layout } from '../../../views/layout.tsx';
import { BadRequestPage, NotFoundPage, StatusPage } from '../../../views/status-pages.tsx';
import { isSafeId, requireAdminStepUp } from '../actions.ts';
import { AdminNav } from '../nav.tsx';
import { SessionsTable } from '../sessions/index.tsx';

const searchSchema = z.object({
  q: z.string().trim().max(100).optional(),
  done: z.string().max(40).optional(),
});

/** Status of a directory failure: the admin's input (404/400) or Okta's side (502/503). */
export function directoryStatus(err: DirectoryError): 400 | 403 | 404 | 503 {
  switch (err.code) {
    case 'DIRECTORY_NOT_FOUND':
      return 404;
    case 'DIRECTORY_INVALID':
      return 400;
    case 'DIRECTORY_FORBIDDEN':
      // Okta refused Gatehouse's own credentials (a missing scope or role): the admin cannot fix
      // that by retrying, and it is not an outage.
      return 403;
    default:
      return 503;
  }
}

/** Renders a directory failure as a page; rethrows anything else (a real bug). */
export function directoryFailure(c: Context<AuthEnv>, deps: AppDeps, auth: AuthState, err: unknown): Response | Promise<Response> {
  if (!(err instanceof DirectoryError)) throw err;
  const status = directoryStatus(err);
  if (status >= 500 || status === 403) deps.logger.warn({ code: err.code, status: err.status }, 'Okta Management API call failed');
  if (status === 404) return c.html(<NotFoundPage auth={auth} />, 404);
  const title = status === 400 ? 'Okta did not accept that' : status === 403 ? 'Okta does not allow this' : 'Okta could not be reached';
  return c.html(
    <StatusPage status={status} title={title} auth={auth}>
      <p>{err.message}</p>
      <div class="actions"><a class="button" href="/admin/users">Back to users</a></div>
    </StatusPage>,
    status,
  );
}

/** Shown instead of the users pages when there is no Okta directory: the IdP is not Okta, or no credentials are configured. */
export const DirectoryMissing: FC<{ config: GatehouseConfig }> = ({ config }) => (
  <Notice kind="warning">{directoryOffReason(config)}</Notice>
);

/** The users list: name (linking to the user's page), email, status, created, last sign-in. */
export const UsersTable: FC<{ users: DirectoryUser[] }> = ({ users }) => {
  if (users.length === 0) return <p class="empty">No users found.</p>;
  return (
    <div class="table-wrap">
      <table>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Email</th>
            <th scope="col">Status</th>
            <th scope="col">Created</th>
            <th scope="col">Last sign-in</th>
          </tr>
        </thead>
        <tbody>
          {users.map((user) => (
            <tr>
              <td><a href={`/admin/users/${encodeURIComponent(user.id)}`}>{`${user.firstName} ${user.lastName}`.trim() || user.login}</a></td>
              <td>{user.email}</td>
              <td><span class={`badge ${user.status === 'ACTIVE' ? 'badge--success' : 'badge--muted'}`}>{user.status}</span></td>
              <td>{formatTime(user.created)}</td>
              <td>{formatTime(user.lastLogin)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
};

/** Groups an admin may assign: Okta-managed groups, not the built-in `Everyone`. */
export function assignable(groups: DirectoryGroup[]): DirectoryGroup[] {
  return groups.filter((group) => group.type !== 'BUILT_IN');
}

/**
 * User pages, mounted under `/admin`: `GET /users` (list and search) and `GET /users/:id` (need
 * `users:read`), `GET /users/new` (the form; needs `users:manage` and the admin step-up).
 */
export function userRoutes(deps: AppDeps): Hono<AuthEnv> {
  const app = new Hono<AuthEnv>();

  app.get('/users', async (c) => {
    const auth = requirePermission(c, 'users:read');
    const parsed = searchSchema.safeParse(c.req.query());
    if (!parsed.success) return c.html(<BadRequestPage auth={auth} message="Search for at most 100 characters." back="/admin/users" />, 400);
    const { q, done } = parsed.data;
    let users: DirectoryUser[] = [];
    if (deps.directory) {
      try {
        users = await deps.directory.listUsers(q || undefined);
      } catch (err) {
        return directoryFailure(c, deps, auth, err);
      }
    }
    return c.html(
      <Layout title="Users" auth={auth} path="/admin/users">
        <AdminNav current="/admin/users" config={deps.config} />
        <Flash code={done} />
        <section class="card" aria-labelledby="users-title">
          <PageHeader id="users-title" title="Users" lead="People in your Okta org. Changes here are made in Okta.">
            {deps.directory && auth.permissions.includes('users:manage') && <a class="button" href="/admin/users/new">New user</a>}
          </PageHeader>
          {!deps.directory ? <DirectoryMissing config={deps.config} /> : (
            <>
              <form method="get" action="/admin/users" class="filters" role="search" aria-label="Search users">
                <div class="field">
                  <label for="user-search">Name or email starts with</label>
                  <input id="user-search" type="search" name="q" value={q ?? ''} maxlength={100} />
                </div>
                <button type="submit" class="button">Search</button>
                {q && <a class="button button--ghost" href="/admin/users">Clear</a>}
              </form>
              {users.length >= MAX_LISTED && <Notice kind="warning">Showing the first {MAX_LISTED} users. Search to find someone else.</Notice>}
              <UsersTable users={users} />
            </>
          )}
        </section>
      </Layout>,
    );
  });

  app.get('/users/new', async (c) => {
    const auth = requirePermission(c, 'users:manage');
    // Creating a user is a step-up action: step up before filling in the form, not after.
    requireAdminStepUp(c, deps);
    if (!deps.directory) return c.html(<Layout title="New user" auth={auth}><DirectoryMissing config={deps.config} /></Layout>);
    let groups: DirectoryGroup[];
    try {
      groups = assignable(await deps.directory.listGroups());
    } catch (err) {
      return directoryFailure(c, deps, auth, err);
    }
    return c.html(<NewUserPage auth={auth} groups={groups} />);
  });

  app.get('/users/:id', async (c) => {
    const auth = requirePermission(c, 'users:read');
    const id = c.req.param('id');
    if (!isSafeId(id)) return c.html(<NotFoundPage auth={auth} />, 404);
    const done = c.req.query('done');
    const sessions = await deps.auth.sessions.list({ sub: id, limit: 100 });
    if (!deps.directory) {
      return c.html(
        <Layout title="User" auth={auth} path="/admin/users">
          <AdminNav current="/admin/users" config={deps.config} />
          <DirectoryMissing config={deps.config} />
          <section class="card"><h2>Sessions</h2><SessionsTable sessions={sessions} now={Date.now()} currentSessionId={auth.session?.id ?? null} canRevoke={auth.permissions.includes('sessions:revoke')} /></section>
        </Layout>,
      );
    }
    let user: DirectoryUser;
    let groups: DirectoryGroup[];
    let allGroups: DirectoryGroup[];
    try {
      [user, groups, allGroups] = await Promise.all([deps.directory.getUser(id), deps.directory.listUserGroups(id), deps.directory.listGroups()]);
    } catch (err) {
      return directoryFailure(c, deps, auth, err);
    }
    const canManage = auth.permissions.includes('users:manage');
    const memberOf = new Set(groups.map((group) => group.id));
    const addable = assignable(allGroups).filter((group) => !memberOf.has(group.id));
    const name = `${user.firstName} ${user.lastName}`.trim() || user.login;
    return c.html(
      <Layout title={name} auth={auth} path="/admin/users">
        <AdminNav current="/admin/users" config={deps.config} />
        <Flash code={done} />
        <div class="grid">
          <section class="card" aria-labelledby="user-title">
            <h1 id="user-title" class="page-title">{name}</h1>
            <dl class="kv">
              <dt>Email</dt><dd>{user.email}</dd>
              <dt>Login</dt><dd>{user.login}</dd>
              <dt>Okta id</dt><dd><code>{user.id}</code></dd>
              <dt>Status</dt><dd><span class={`badge ${user.status === 'ACTIVE' ? 'badge--success' : 'badge--muted'}`}>{user.status}</span></dd>
              <dt>Created</dt><dd>{formatTime(user.created)}</dd>
              <dt>Last sign-in</dt><dd>{formatTime(user.lastLogin)}</dd>
            </dl>
            {canManage && user.status !== 'DEPROVISIONED' && user.id !== auth.user?.sub && (
              <div class="actions">
                {user.status === 'ACTIVE' && <a class="button button--ghost" href={`/admin/users/${encodeURIComponent(user.id)}/suspend`}>Suspend user…</a>}
                <a class="button button--danger" href={`/admin/users/${encodeURIComponent(user.id)}/deactivate`}>Deactivate user…</a>
              </div>
            )}
          </section>
          <section class="card" aria-labelledby="groups-title">
            <h2 id="groups-title">Groups</h2>
            {groups.length === 0 ? <p class="empty">Not in any group.</p> : (
              <ul class="reason-list">
                {groups.map((group) => (
                  <li class="actions">
                    <code>{group.name}</code>
                    {canManage && group.type !== 'BUILT_IN' && (
                      <form method="post" action={`/admin/users/${encodeURIComponent(user.id)}/groups/${encodeURIComponent(group.id)}/remove`} class="inline-form">
                        <button type="submit" class="button button--small button--ghost" aria-label={`Remove from ${group.name}`}>Remove</button>
                      </form>
                    )}
                  </li>
                ))}
              </ul>
            )}
            {canManage && addable.length > 0 && (
              <form method="post" action={`/admin/users/${encodeURIComponent(user.id)}/groups`} class="filters">
                <div class="field">
                  <label for="add-group">Add to group</label>
                  <select id="add-group" name="groupId">
                    {addable.map((group) => <option value={group.id}>{group.name}</option>)}
                  </select>
                </div>
                <button type="submit" class="button button--ghost">Add</button>
              </form>
            )}
          </section>
        </div>
        <section class="card" aria-labelledby="user-sessions-title">
          <div class="card__header">
            <h2 id="user-sessions-title">Gatehouse sessions</h2>
            {sessions.length > 0 && auth.permissions.includes('sessions:revoke') && (
              <a class="button button--ghost" href={`/admin/users/${encodeURIComponent(user.id)}/sessions/revoke`}>Revoke all…</a>
            )}
          </div>
          <SessionsTable sessions={sessions} now={Date.now()} currentSessionId={auth.session?.id ?? null} canRevoke={auth.permissions.includes('sessions:revoke')} />
        </section>
      </Layout>,
    );
  });

  return app;
}

/** What the new-user form was filled with, to show it again after an error. */
export interface NewUserValues {
  email?: string;
  firstName?: string;
  lastName?: string;
  groupIds?: string[];
}

/** The provisioning form; re-shown with the values and the error when Okta or validation refuses. */
export const NewUserPage: FC<{ auth: AuthState; groups: DirectoryGroup[]; values?: NewUserValues; error?: string }> = ({ auth, groups, values, error }) => (
  <Layout title="New user" auth={auth} path="/admin/users">
    <AdminNav current="/admin/users" />
    <section class="card" aria-labelledby="new-user-title">
      <PageHeader id="new-user-title" title="New user" lead="Creates the user in Okta, activates them and adds them to the groups you pick." />
      {error && <Notice kind="error">{error}</Notice>}
      <form method="post" action="/admin/users" class="form">
        <div class="field">
          <label for="email">Email</label>
          <input id="email" type="email" name="email" required maxlength={100} autocomplete="off" value={values?.email ?? ''} />
          <p class="hint">Also the Okta username.</p>
        </div>
        <div class="field">
          <label for="firstName">First name</label>
          <input id="firstName" type="text" name="firstName" required maxlength={50} value={values?.firstName ?? ''} />
        </div>
        <div class="field">
          <label for="lastName">Last name</label>
          <input id="lastName" type="text" name="lastName" required maxlength={50} value={values?.lastName ?? ''} />
        </div>
        <div class="field">
          <label for="password">Initial password (optional)</label>
          <input id="password" type="password" name="password" minlength={8} maxlength={72} autocomplete="new-password" />
          <p class="hint">With a password the user can sign in right away; without one, Okta sends them an activation email.</p>
        </div>
        <fieldset class="field">
          <legend>Groups</legend>
          {groups.length === 0 && <p class="hint">No groups exist yet.</p>}
          {groups.map((group) => (
            <div class="checkbox">
              <input
                type="checkbox"
                id={`group-${group.id}`}
                name="groupIds"
                value={group.id}
                checked={values?.groupIds?.includes(group.id) ?? false}
                aria-describedby={group.description ? `group-${group.id}-about` : undefined}
              />
              <label for={`group-${group.id}`}>{group.name}</label>
              {group.description && <span id={`group-${group.id}-about`} class="hint">{group.description}</span>}
            </div>
          ))}
        </fieldset>
        <div class="actions">
          <button type="submit" class="button">Create user</button>
          <a class="button button--ghost" href="/admin/users">Cancel</a>
        </div>
      </form>
    </section>
  </Layout>
);
