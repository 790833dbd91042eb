/**
 * State-changing user actions, each a CSRF-checked POST built by `adminAction` from the policy
 * table (permission → step-up → input → call → audit → redirect): provision a user into groups,
 * add and remove a group, deactivate or suspend (with a GET confirm page guarded by the same step-up).
 */
import { type Context, Hono } from 'hono';
import { requirePermission } from '@gatehouse/auth/hono';
import { z } from 'zod';
import type { AuthEnv, AuthState, AppDeps } from '../../../app-context.ts';
import { DirectoryError, type DirectoryGroup, type DirectoryUser, type OktaDirectory } from '../../../management-api/directory.ts';
import { Layout } from '../../../views/layout.tsx';
import { BadRequestPage, NotFoundPage } from '../../../views/status-pages.tsx';
import { adminAction, adminGroupsAmong, isSafeId, readForm, requireAdminStepUp } from '../actions.ts';
import { ADMIN_ACTIONS, type AdminActionName } from '../policy.ts';
import { assignable, directoryFailure } from './failures.tsx';
import { DirectoryMissing, NewUserPage, type NewUserValues } from './views.tsx';

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

const userPath = (id: string) => `/admin/users/${encodeURIComponent(id)}`;

/** The user id of the route, or a 404 page; with no Management API configured, a 400 page. */
function userTarget(c: Context<AuthEnv>, deps: AppDeps, auth: AuthState, ...ids: Array<string | undefined>): Response | null {
  if (!ids.every(isSafeId)) return c.html(<NotFoundPage auth={auth} />, 404) as Response;
  if (!deps.directory) return c.html(<Layout title="Users" auth={auth}><DirectoryMissing config={deps.config} /></Layout>, 400) as Response;
  return null;
}

const selfEnding = (c: Context<AuthEnv>, auth: AuthState, id: string, verb: string) =>
  c.html(<BadRequestPage auth={auth} message={`You cannot ${verb.toLowerCase()} your own account here.`} back={userPath(id)} />, 400) as Response;

/** The two ways an admin ends a user's access, each an entry of the policy table. */
const ENDINGS = [
  {
    path: 'deactivate',
    action: 'deactivateUser',
    verb: 'Deactivate',
    done: 'user-deactivated',
    explain: 'will no longer be able to sign in to anything through Okta, and their Gatehouse sessions end now. Reactivating later is done in the Okta Admin Console.',
    call: (directory: OktaDirectory, id: string) => directory.deactivate(id),
  },
  {
    path: 'suspend',
    action: 'suspendUser',
    verb: 'Suspend',
    done: 'user-suspended',
    explain: 'cannot sign in through Okta until unsuspended (their groups and apps stay as they are), and their Gatehouse sessions end now. Unsuspend in the Okta Admin Console.',
    call: (directory: OktaDirectory, id: string) => directory.suspend(id),
  },
] as const satisfies ReadonlyArray<{ action: AdminActionName } & Record<string, unknown>>;

/**
 * User actions, mounted under `/admin` (need `users:manage` and a step-up): `POST /users` (create),
 * `POST /users/:id/groups` (add a group), `POST /users/:id/groups/:groupId/remove`, and
 * `GET` then `POST /users/:id/deactivate` and `/users/:id/suspend`.
 */
export function userActionRoutes(deps: AppDeps): Hono<AuthEnv> {
  const app = new Hono<AuthEnv>();
  const directory = () => deps.directory!;

  app.post('/users', adminAction<{ data: z.output<typeof newUserSchema>; groups: DirectoryGroup[]; values: NewUserValues }>(deps, 'createUser', {
    // The form page is guarded by the same step-up, so the admin steps up before filling it in.
    stepUpReturn: () => '/admin/users/new',
    async input(c, auth) {
      const missing = userTarget(c, deps, auth);
      if (missing) return { reject: missing, target: '-' };
      const form = await readForm(c);
      const parsed = newUserSchema.safeParse(form);
      const values: NewUserValues = {
        email: typeof form.email === 'string' ? form.email.slice(0, 100) : '',
        firstName: typeof form.firstName === 'string' ? form.firstName.slice(0, 50) : '',
        lastName: typeof form.lastName === 'string' ? form.lastName.slice(0, 50) : '',
        groupIds: Array.isArray(form.groupIds) ? form.groupIds : typeof form.groupIds === 'string' ? [form.groupIds] : [],
      };
      const target = values.email || '-';
      let groups: DirectoryGroup[];
      try {
        groups = assignable(await directory().listGroups());
      } catch (err) {
        return { reject: await directoryFailure(c, deps, auth, err), target };
      }
      if (!parsed.success) {
        const error = parsed.error.issues.map((issue) => issue.message).join(' ');
        return { reject: c.html(<NewUserPage auth={auth} groups={groups} values={values} error={error} />, 400) as Response, target };
      }
      const known = new Set(groups.map((group) => group.id));
      if (!parsed.data.groupIds.every((id) => known.has(id))) {
        return { reject: c.html(<NewUserPage auth={auth} groups={groups} values={values} error="Pick groups from the list." />, 400) as Response, target };
      }
      return { input: { data: parsed.data, groups, values }, target: parsed.data.email };
    },
    async run(_c, { data, groups }) {
      const { password, ...rest } = data;
      const created = await directory().createUser({ ...rest, ...(password ? { password } : {}) });
      const names = groups.filter((group) => data.groupIds.includes(group.id)).map((group) => group.name);
      return {
        target: created.id,
        targetEmail: created.email,
        detail: { targetEmail: created.email, groups: data.groupIds.join(',') },
        adminGroupsGranted: adminGroupsAmong(deps, names),
        redirect: `${userPath(created.id)}?done=user-created`,
      };
    },
    onError(c, err, { groups, values }, auth) {
      if (err instanceof DirectoryError && err.code === 'DIRECTORY_INVALID') {
        return c.html(<NewUserPage auth={auth} groups={groups} values={values} error={`Okta refused: ${err.message}`} />, 400);
      }
      return directoryFailure(c, deps, auth, err);
    },
  }));

  app.post('/users/:id/groups', adminAction<{ id: string; groupId: string }>(deps, 'addGroup', {
    stepUpReturn: (c) => (isSafeId(c.req.param('id')) ? userPath(c.req.param('id')!) : '/admin/users'),
    async input(c, auth) {
      const id = c.req.param('id');
      const missing = userTarget(c, deps, auth, id);
      if (missing) return { reject: missing, target: '-' };
      const parsed = addGroupSchema.safeParse(await readForm(c));
      if (!parsed.success) return { reject: c.html(<BadRequestPage auth={auth} message="Pick a group from the list." back={userPath(id!)} />, 400) as Response, target: id! };
      return { input: { id: id!, groupId: parsed.data.groupId }, target: id! };
    },
    async run(_c, { id, groupId }) {
      await directory().addToGroup(id, groupId);
      await deps.auth.lifecycle.userChanged(id, 'admin_panel', { group: groupId });
      const group = (await directory().listGroups()).find((candidate) => candidate.id === groupId);
      return {
        target: id,
        detail: { group: groupId },
        adminGroupsGranted: group ? adminGroupsAmong(deps, [group.name]) : [],
        redirect: `${userPath(id)}?done=group-added`,
      };
    },
    onError: (c, err, _input, auth) => directoryFailure(c, deps, auth, err),
  }));

  app.post('/users/:id/groups/:groupId/remove', adminAction<{ id: string; groupId: string }>(deps, 'removeGroup', {
    stepUpReturn: (c) => (isSafeId(c.req.param('id')) ? userPath(c.req.param('id')!) : '/admin/users'),
    async input(c, auth) {
      const id = c.req.param('id');
      const groupId = c.req.param('groupId');
      const missing = userTarget(c, deps, auth, id, groupId);
      if (missing) return { reject: missing, target: isSafeId(id) ? id : '-' };
      return { input: { id: id!, groupId: groupId! }, target: id! };
    },
    async run(_c, { id, groupId }) {
      await directory().removeFromGroup(id, groupId);
      await deps.auth.lifecycle.userChanged(id, 'admin_panel', { group: groupId });
      return { target: id, detail: { group: groupId }, redirect: `${userPath(id)}?done=group-removed` };
    },
    onError: (c, err, _input, auth) => directoryFailure(c, deps, auth, err),
  }));

  // Deactivating and suspending end the user's access everywhere: a confirm page (guarded by the
  // same step-up, where the IdP round trip returns), then the POST.
  for (const ending of ENDINGS) {
    const confirmPath = (id: string) => `${userPath(id)}/${ending.path}`;
    app.get(`/users/:id/${ending.path}`, async (c) => {
      const auth = requirePermission(c, ADMIN_ACTIONS[ending.action].permission);
      const id = c.req.param('id');
      const missing = userTarget(c, deps, auth, id);
      if (missing) return missing;
      if (id === auth.user.sub) return selfEnding(c, auth, id, ending.verb);
      requireAdminStepUp(c, deps);
      let user: DirectoryUser;
      try {
        user = await directory().getUser(id);
      } catch (err) {
        return directoryFailure(c, deps, auth, err);
      }
      const name = `${user.firstName} ${user.lastName}`.trim() || user.login;
      return c.html(
        <Layout title={`${ending.verb} user`} auth={auth} path="/admin/users" narrow>
          <section class="card" aria-labelledby="confirm-title">
            <h1 id="confirm-title" class="page-title">{ending.verb} {name}?</h1>
            <p><strong>{user.email}</strong> {ending.explain}</p>
            <div class="actions">
              <form method="post" action={confirmPath(id)} class="inline-form">
                <button type="submit" class="button button--danger">{ending.verb}</button>
              </form>
              <a class="button button--ghost" href={userPath(id)}>Cancel</a>
            </div>
          </section>
        </Layout>,
      );
    });

    app.post(`/users/:id/${ending.path}`, adminAction<{ id: string }>(deps, ending.action, {
      stepUpReturn: (c) => (isSafeId(c.req.param('id')) ? confirmPath(c.req.param('id')!) : '/admin/users'),
      async input(c, auth) {
        const id = c.req.param('id');
        const missing = userTarget(c, deps, auth, id);
        if (missing) return { reject: missing, target: isSafeId(id) ? id : '-' };
        if (id === auth.user.sub) return { reject: selfEnding(c, auth, id, ending.verb), target: id };
        return { input: { id: id! }, target: id! };
      },
      async run(_c, { id }) {
        await ending.call(directory(), id);
        const revoked = await deps.auth.sessions.revokeUser(id, { reason: 'user_deactivated' });
        return { target: id, detail: { sessionsRevoked: revoked }, redirect: `${userPath(id)}?done=${ending.done}` };
      },
      onError: (c, err, _input, auth) => directoryFailure(c, deps, auth, err),
    }));
  }

  return app;
}
