/**
 * State-changing user actions, each a CSRF-checked POST recorded in the audit log: provision a
 * user into groups, add and remove a group, deactivate (step-up: a GET confirm page guarded by
 * recent authentication, then the POST, which checks again).
 */
import { Hono } from 'hono';
import { requirePermission, requireRecentAuth } from '@gatehouse/auth/hono';
import { z } from 'zod';
import type { AuthEnv } from '../../auth.ts';
import type { AppDeps } from '../../deps.ts';
import { DirectoryError, type DirectoryUser } from '../../okta/directory.ts';
import { Layout } from '../../views/layout.tsx';
import { BadRequestPage, NotFoundPage } from '../../views/status-pages.tsx';
import { isSafeId, readForm, recordAdminAction, requireStepUp, STEP_UP } from './actions.ts';
import { assignable, DirectoryMissing, directoryFailure, NewUserPage } from './users.tsx';

const idList = z.preprocess(
  (value) => (value === undefined ? [] : Array.isArray(value) ? value : [value]),
  z.array(z.string().regex(/^[A-Za-z0-9_-]{1,128}$/)).max(50),
);

const newUserSchema = z.object({
  email: z.string().trim().max(100).pipe(z.email({ error: 'Enter a valid email address.' })),
  firstName: z.string().trim().min(1, { error: 'Enter a first name.' }).max(50),
  lastName: z.string().trim().min(1, { error: 'Enter a last name.' }).max(50),
  groupIds: idList,
  // Okta's default policy wants ≥ 8 characters; Okta checks the rest of its policy itself.
  password: z.preprocess((value) => (value === '' ? undefined : value), z.string().min(8, { error: 'An initial password needs at least 8 characters.' }).max(72).optional()),
});

const addGroupSchema = z.object({ groupId: z.string().regex(/^[A-Za-z0-9_-]{1,128}$/) });

const errorCode = (err: unknown) => (err instanceof DirectoryError ? err.code : 'unexpected');

const userPath = (id: string) => `/admin/users/${encodeURIComponent(id)}`;

/**
 * User actions, mounted under `/admin` (need `users:manage`): `POST /users` (create),
 * `POST /users/:id/groups` (add a group), `POST /users/:id/groups/:groupId/remove`, and
 * `GET` then `POST /users/:id/deactivate` behind a step-up (sign-in within 5 min, MFA if enrolled).
 */
export function userActionRoutes(deps: AppDeps): Hono<AuthEnv> {
  const app = new Hono<AuthEnv>();

  app.post('/users', async (c) => {
    const auth = requirePermission(c, 'users:manage');
    if (!deps.directory) return c.html(<Layout title="New user" auth={auth}><DirectoryMissing /></Layout>, 400);
    const form = await readForm(c);
    const parsed = newUserSchema.safeParse(form);
    const values = {
      email: typeof form.email === 'string' ? form.email.slice(0, 100) : '',
      firstName: typeof form.firstName === 'string' ? form.firstName.slice(0, 50) : '',
      lastName: typeof form.lastName === 'string' ? form.lastName.slice(0, 50) : '',
      groupIds: Array.isArray(form.groupIds) ? form.groupIds : typeof form.groupIds === 'string' ? [form.groupIds] : [],
    };
    let groups;
    try {
      groups = assignable(await deps.directory.listGroups());
    } catch (err) {
      return directoryFailure(c, deps, auth, err);
    }
    if (!parsed.success) {
      const error = parsed.error.issues.map((issue) => issue.message).join(' ');
      return c.html(<NewUserPage auth={auth} groups={groups} values={values} error={error} />, 400);
    }
    const known = new Set(groups.map((group) => group.id));
    if (!parsed.data.groupIds.every((id) => known.has(id))) {
      return c.html(<NewUserPage auth={auth} groups={groups} values={values} error="Pick groups from the list." />, 400);
    }
    let created: DirectoryUser;
    try {
      const { password, ...rest } = parsed.data;
      created = await deps.directory.createUser({ ...rest, ...(password ? { password } : {}) });
    } catch (err) {
      if (err instanceof DirectoryError && err.code === 'DIRECTORY_INVALID') {
        await recordAdminAction(deps, auth, 'user.create', parsed.data.email, 'failure', { error: err.code });
        return c.html(<NewUserPage auth={auth} groups={groups} values={values} error={`Okta refused: ${err.message}`} />, 400);
      }
      return directoryFailure(c, deps, auth, err);
    }
    await recordAdminAction(deps, auth, 'user.create', created.id, 'success', { targetEmail: created.email, groups: parsed.data.groupIds.join(',') });
    return c.redirect(`${userPath(created.id)}?done=user-created`, 303);
  });

  app.post('/users/:id/groups', async (c) => {
    const auth = requirePermission(c, 'users:manage');
    const id = c.req.param('id');
    if (!isSafeId(id)) return c.html(<NotFoundPage auth={auth} />, 404);
    if (!deps.directory) return c.html(<Layout title="Users" auth={auth}><DirectoryMissing /></Layout>, 400);
    const parsed = addGroupSchema.safeParse(await readForm(c));
    if (!parsed.success) return c.html(<BadRequestPage auth={auth} message="Pick a group from the list." back={userPath(id)} />, 400);
    try {
      await deps.directory.addToGroup(id, parsed.data.groupId);
    } catch (err) {
      await recordAdminAction(deps, auth, 'user.group.add', id, 'failure', { group: parsed.data.groupId, error: errorCode(err) });
      return directoryFailure(c, deps, auth, err);
    }
    await recordAdminAction(deps, auth, 'user.group.add', id, 'success', { group: parsed.data.groupId });
    return c.redirect(`${userPath(id)}?done=group-added`, 303);
  });

  app.post('/users/:id/groups/:groupId/remove', async (c) => {
    const auth = requirePermission(c, 'users:manage');
    const id = c.req.param('id');
    const groupId = c.req.param('groupId');
    if (!isSafeId(id) || !isSafeId(groupId)) return c.html(<NotFoundPage auth={auth} />, 404);
    if (!deps.directory) return c.html(<Layout title="Users" auth={auth}><DirectoryMissing /></Layout>, 400);
    try {
      await deps.directory.removeFromGroup(id, groupId);
    } catch (err) {
      await recordAdminAction(deps, auth, 'user.group.remove', id, 'failure', { group: groupId, error: errorCode(err) });
      return directoryFailure(c, deps, auth, err);
    }
    await recordAdminAction(deps, auth, 'user.group.remove', id, 'success', { group: groupId });
    return c.redirect(`${userPath(id)}?done=group-removed`, 303);
  });

  app.get('/users/:id/deactivate', async (c) => {
    const auth = requirePermission(c, 'users:manage');
    const id = c.req.param('id');
    if (!isSafeId(id)) return c.html(<NotFoundPage auth={auth} />, 404);
    if (!deps.directory) return c.html(<Layout title="Users" auth={auth}><DirectoryMissing /></Layout>, 400);
    if (id === auth.user?.sub) return c.html(<BadRequestPage auth={auth} message="You cannot deactivate your own account here." back={userPath(id)} />, 400);
    requireRecentAuth(c, STEP_UP);
    let user: DirectoryUser;
    try {
      user = await deps.directory.getUser(id);
    } catch (err) {
      return directoryFailure(c, deps, auth, err);
    }
    const name = `${user.firstName} ${user.lastName}`.trim() || user.login;
    return c.html(
      <Layout title="Deactivate user" auth={auth} path="/admin/users" narrow>
        <section class="card" aria-labelledby="confirm-title">
          <h1 id="confirm-title" class="page-title">Deactivate {name}?</h1>
          <p>
            <strong>{user.email}</strong> will no longer be able to sign in to anything through Okta, and their Gatehouse
            sessions end now. Reactivating later is done in the Okta Admin Console.
          </p>
          <div class="actions">
            <form method="post" action={`${userPath(id)}/deactivate`} class="inline-form">
              <button type="submit" class="button button--danger">Deactivate</button>
            </form>
            <a class="button button--ghost" href={userPath(id)}>Cancel</a>
          </div>
        </section>
      </Layout>,
    );
  });

  app.post('/users/:id/deactivate', async (c) => {
    const auth = requirePermission(c, 'users:manage');
    const id = c.req.param('id');
    if (!isSafeId(id)) return c.html(<NotFoundPage auth={auth} />, 404);
    if (!deps.directory) return c.html(<Layout title="Users" auth={auth}><DirectoryMissing /></Layout>, 400);
    if (id === auth.user?.sub) return c.html(<BadRequestPage auth={auth} message="You cannot deactivate your own account here." back={userPath(id)} />, 400);
    requireStepUp(c, `${userPath(id)}/deactivate`);
    try {
      await deps.directory.deactivate(id);
    } catch (err) {
      await recordAdminAction(deps, auth, 'user.deactivate', id, 'failure', { error: errorCode(err) });
      return directoryFailure(c, deps, auth, err);
    }
    const revoked = await deps.auth.sessions.revokeUser(id, { reason: 'user_deactivated' });
    await recordAdminAction(deps, auth, 'user.deactivate', id, 'success', { sessionsRevoked: revoked });
    deps.logger.info({ action: 'user.deactivate', admin: auth.user?.sub, target: id }, 'admin deactivated a user');
    return c.redirect(`${userPath(id)}?done=user-deactivated`, 303);
  });

  return app;
}
