/**
 * `/admin/users`: Okta users through the Management API — list and search, one user's groups
 * and sessions, and the new-user form. The views are in `views.tsx`, the state-changing actions
 * in `actions.tsx`.
 */
import { Hono } from 'hono';
import { requirePermission } from '@gatehouse/auth/hono';
import { z } from 'zod';
import type { AuthEnv, AppDeps } from '../../../app-context.ts';
import { MAX_LISTED, type DirectoryGroup, type DirectoryUser } from '../../../management-api/directory.ts';
import { Flash, Notice, PageHeader } from '../../../views/components.tsx';
import { Layout } from '../../../views/layout.tsx';
import { BadRequestPage, NotFoundPage } from '../../../views/status-pages.tsx';
import { isSafeId, requireAdminStepUp } from '../actions.ts';
import { AdminNav } from '../nav.tsx';
import { SessionsTable } from '../sessions/index.tsx';
import { assignable, directoryFailure } from './failures.tsx';
import { DirectoryMissing, NewUserPage, UserPage, UsersTable } from './views.tsx';

const searchSchema = z.object({
  q: z.string().trim().max(100).optional(),
  done: z.string().max(40).optional(),
});

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
    const memberOf = new Set(groups.map((group) => group.id));
    const addable = assignable(allGroups).filter((group) => !memberOf.has(group.id));
    return c.html(<UserPage auth={auth} config={deps.config} user={user} groups={groups} addable={addable} sessions={sessions} done={done} />);
  });

  return app;
}
