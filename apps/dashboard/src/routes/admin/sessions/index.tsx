/**
 * `/admin/sessions`: active sessions with browser/network summary; revoke one (POST) or all of a
 * user's (confirm page, then POST) — both admin actions behind a step-up.
 */
import { Hono } from 'hono';
import type { FC } from 'hono/jsx';
import { requirePermission } from '@gatehouse/auth/hono';
import { z } from 'zod';
import type { AuthEnv, SessionRecord, AppDeps } from '../../../app-context.ts';
import { Flash, formatRelative, formatTime, PageHeader } from '../../../views/components.tsx';
import { Layout } from '../../../views/layout.tsx';
import { LiveRegion } from '../../live/region.tsx';
import { BadRequestPage, NotFoundPage } from '../../../views/status-pages.tsx';
import { adminAction, isSafeId, requireAdminStepUp } from '../actions.ts';
import { AdminNav } from '../nav.tsx';

const PAGE_SIZE = 50;

const listQuery = z.object({
  page: z.coerce.number().int().min(1).max(10_000).default(1),
  user: z.string().max(128).optional(),
  done: z.string().max(40).optional(),
});

/** Sessions as a table with revoke buttons; used on the overview and the sessions page. */
export const SessionsTable: FC<{ sessions: SessionRecord[]; now: number; currentSessionId: string | null; canRevoke: boolean }> = ({ sessions, now, currentSessionId, canRevoke }) => {
  if (sessions.length === 0) return <p class="empty">No active sessions.</p>;
  return (
    <div class="table-wrap">
      <table>
        <thead>
          <tr>
            <th scope="col">User</th>
            <th scope="col">Started</th>
            <th scope="col">Last seen</th>
            <th scope="col">Browser</th>
            <th scope="col">Network</th>
            {canRevoke && <th scope="col"><span class="visually-hidden">Actions</span></th>}
          </tr>
        </thead>
        <tbody>
          {sessions.map((session) => {
            const who = session.user.email ?? session.user.name ?? session.user.sub;
            return (
              <tr data-live-key={session.id}>
                <td>
                  <a href={`/admin/users/${encodeURIComponent(session.user.sub)}`}>{who}</a>
                  {session.id === currentSessionId && <> <span class="badge badge--muted">this session</span></>}
                  {session.roles.map((role) => <> <span class={`badge badge--${role}`}>{role}</span></>)}
                </td>
                <td>{formatTime(session.createdAt)}</td>
                <td>{formatRelative(session.lastSeenAt, now)}</td>
                <td>{session.userAgent ?? '—'}</td>
                <td>{session.ip ?? '—'}</td>
                {canRevoke && (
                  <td>
                    <div class="actions">
                      <form method="post" action={`/admin/sessions/${encodeURIComponent(session.id)}/revoke`} class="inline-form">
                        <button type="submit" class="button button--small button--ghost" title={`Revoke this session of ${who}`}>Revoke</button>
                      </form>
                      <a class="button button--small button--ghost" href={`/admin/users/${encodeURIComponent(session.user.sub)}/sessions/revoke`} aria-label={`Revoke all sessions of ${who}`}>Revoke all</a>
                    </div>
                  </td>
                )}
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
};

/**
 * Session routes, mounted under `/admin`: `GET /sessions` (needs `sessions:read`); revoke one with
 * `POST /sessions/:id/revoke`, or all of a user's with `GET` then `POST /users/:id/sessions/revoke`
 * (need `sessions:revoke` and a step-up: otherwise revoking one by one would undo "revoke all"'s).
 */
export function sessionRoutes(deps: AppDeps): Hono<AuthEnv> {
  const app = new Hono<AuthEnv>();

  app.get('/sessions', async (c) => {
    const auth = requirePermission(c, 'sessions:read');
    const parsed = listQuery.safeParse(c.req.query());
    if (!parsed.success) return c.html(<BadRequestPage auth={auth} message="The page number is not valid." back="/admin/sessions" />, 400);
    const { page, user, done } = parsed.data;
    const sub = user && isSafeId(user) ? user : undefined;
    const [sessions, total] = await Promise.all([
      deps.auth.sessions.list({ ...(sub ? { sub } : {}), limit: PAGE_SIZE + 1, offset: (page - 1) * PAGE_SIZE }),
      deps.auth.sessions.count(),
    ]);
    const hasNext = sessions.length > PAGE_SIZE;
    const base = sub ? `/admin/sessions?user=${encodeURIComponent(sub)}&` : '/admin/sessions?';
    return c.html(
      <Layout title="Sessions" auth={auth} path="/admin/sessions">
        <AdminNav current="/admin/sessions" config={deps.config} />
        <Flash code={done} />
        <section class="card" aria-labelledby="sessions-title">
          <LiveRegion id="live-sessions" topics={['sessions']} label="Active sessions">
            <PageHeader id="sessions-title" title="Active sessions" lead={`${total} active in total. Revoking a session signs that browser out at its next request.`} />
            <SessionsTable sessions={sessions.slice(0, PAGE_SIZE)} now={Date.now()} currentSessionId={auth.session?.id ?? null} canRevoke={auth.permissions.includes('sessions:revoke')} />
          </LiveRegion>
          <nav class="pagination" aria-label="Sessions pages">
            {page > 1 && <a class="button button--ghost" href={`${base}page=${page - 1}`}>Previous</a>}
            {hasNext && <a class="button button--ghost" href={`${base}page=${page + 1}`}>Next</a>}
          </nav>
        </section>
      </Layout>,
    );
  });

  app.post('/sessions/:id/revoke', adminAction<{ session: SessionRecord }>(deps, 'revokeSession', {
    stepUpReturn: () => '/admin/sessions',
    async input(c, auth) {
      const id = c.req.param('id');
      if (!isSafeId(id)) return { reject: c.html(<NotFoundPage auth={auth} />, 404) as Response, target: '-' };
      const session = await deps.auth.sessions.get(id);
      if (!session) return { reject: c.redirect('/admin/sessions?done=session-not-found', 303), target: '-' };
      return { input: { session }, target: session.user.sub };
    },
    async run(_c, { session }) {
      await deps.auth.sessions.revoke(session.id, { reason: 'revoked_by_admin' });
      return { target: session.user.sub, detail: { targetEmail: session.user.email }, redirect: '/admin/sessions?done=session-revoked' };
    },
  }));

  // Step-up confirm page: the IdP round trip returns here, then the admin confirms with a POST.
  app.get('/users/:id/sessions/revoke', async (c) => {
    const auth = requirePermission(c, 'sessions:revoke');
    const sub = c.req.param('id');
    if (!isSafeId(sub)) return c.html(<NotFoundPage auth={auth} />, 404);
    requireAdminStepUp(c, deps);
    const sessions = await deps.auth.sessions.list({ sub, limit: 200 });
    const who = sessions[0]?.user.email ?? sub;
    return c.html(
      <Layout title="Revoke all sessions" auth={auth} path="/admin/sessions" narrow>
        <section class="card" aria-labelledby="confirm-title">
          <h1 id="confirm-title" class="page-title">Revoke all sessions of {who}?</h1>
          <p>{sessions.length === 1 ? 'One active session' : `${sessions.length} active sessions`} will end. The user must sign in again everywhere.</p>
          <div class="actions">
            <form method="post" action={`/admin/users/${encodeURIComponent(sub)}/sessions/revoke`} class="inline-form">
              <button type="submit" class="button button--danger">Revoke all sessions</button>
            </form>
            <a class="button button--ghost" href="/admin/sessions">Cancel</a>
          </div>
        </section>
      </Layout>,
    );
  });

  app.post('/users/:id/sessions/revoke', adminAction<{ sub: string }>(deps, 'revokeUserSessions', {
    stepUpReturn: (c) => (isSafeId(c.req.param('id')) ? `/admin/users/${encodeURIComponent(c.req.param('id')!)}/sessions/revoke` : '/admin/sessions'),
    async input(c, auth) {
      const sub = c.req.param('id');
      if (!isSafeId(sub)) return { reject: c.html(<NotFoundPage auth={auth} />, 404) as Response, target: '-' };
      return { input: { sub }, target: sub };
    },
    async run(_c, { sub }) {
      const count = await deps.auth.sessions.revokeUser(sub);
      return { target: sub, detail: { count }, redirect: '/admin/sessions?done=user-sessions-revoked' };
    },
  }));

  return app;
}
