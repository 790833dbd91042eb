/** The users pages' views: the list, one user's page, the new-user form, the no-directory notice. */
import type { FC } from 'hono/jsx';
import type { AuthState, GatehouseConfig, SessionRecord } from '../../../app-context.ts';
import { directoryOffReason, type DirectoryGroup, type DirectoryUser } from '../../../management-api/directory.ts';
import { DataTable, Flash, formatTime, Notice, PageHeader } from '../../../views/components.tsx';
import { Layout } from '../../../views/layout.tsx';
import { AdminNav } from '../nav.tsx';
import { SessionsTable } from '../sessions/index.tsx';

/** Shown instead of the users pages when there is no Okta directory: the IdP is not Okta, or no credentials are configured. */
export const DirectoryMissing: FC<{ config: GatehouseConfig }> = ({ config }) => (
  <Notice kind="warning">{directoryOffReason(config)}</Notice>
);

/** The users list: name (linking to the user's page), email, status, created, last sign-in. */
export const UsersTable: FC<{ users: DirectoryUser[] }> = ({ users }) => {
  if (users.length === 0) return <p class="empty">No users found.</p>;
  return (
    <DataTable columns={['Name', 'Email', 'Status', 'Created', 'Last sign-in']}>
      {users.map((user) => (
        <tr>
          <td><a href={`/admin/users/${encodeURIComponent(user.id)}`}>{`${user.firstName} ${user.lastName}`.trim() || user.login}</a></td>
          <td>{user.email}</td>
          <td><span class={`badge ${user.status === 'ACTIVE' ? 'badge--success' : 'badge--muted'}`}>{user.status}</span></td>
          <td>{formatTime(user.created)}</td>
          <td>{formatTime(user.lastLogin)}</td>
        </tr>
      ))}
    </DataTable>
  );
};

/** One user's page: their Okta profile and status, groups (with add/remove for `users:manage`), and Gatehouse sessions. */
export const UserPage: FC<{
  auth: AuthState;
  config: GatehouseConfig;
  user: DirectoryUser;
  groups: DirectoryGroup[];
  /** Groups the user could be added to. */
  addable: DirectoryGroup[];
  sessions: SessionRecord[];
  done: string | undefined;
}> = ({ auth, config, user, groups, addable, sessions, done }) => {
  const canManage = auth.permissions.includes('users:manage');
  const name = `${user.firstName} ${user.lastName}`.trim() || user.login;
  return (
  <Layout title={name} auth={auth} path="/admin/users">
    <AdminNav current="/admin/users" config={config} />
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
  </Layout>
  );
};

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
