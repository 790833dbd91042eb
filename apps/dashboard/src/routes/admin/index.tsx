/**
 * `/admin` and below (admin only): the overview page and the sub-areas (sessions, users, audit
 * log, sign-in health, roles). Every request under `/admin` first passes the admin role check,
 * so even unknown admin paths answer 403 to non-admins and redirect signed-out visitors.
 */
import { Hono } from 'hono';
import { requirePermission, requireRole } from '@gatehouse/auth/hono';
import type { AuthEnv, AppDeps } from '../../app-context.ts';
import { DirectoryError, type DirectoryUser } from '../../management-api/directory.ts';
import { Notice, PageHeader, Stat } from '../../views/components.tsx';
import { Layout } from '../../views/layout.tsx';
import { LiveRegion } from '../live/region.tsx';
import { auditRoutes } from './audit/index.tsx';
import { failureSummary, healthRoutes } from './health/index.tsx';
import { AdminNav } from './nav.tsx';
import { roleRoutes } from './roles/index.tsx';
import { SessionsTable, sessionRoutes } from './sessions/index.tsx';
import { setupRoutes } from './setup/index.tsx';
import { userActionRoutes } from './users/actions.tsx';
import { userRoutes } from './users/index.tsx';
import { DirectoryMissing, UsersTable } from './users/views.tsx';

const OVERVIEW_ROWS = 8;

/**
 * The `/admin` sub-app: the admin role check on every path, the overview page and every admin area.
 * @see ARCHITECTURE.md "Routes"
 */
export function adminRoutes(deps: AppDeps): Hono<AuthEnv> {
  const app = new Hono<AuthEnv>();
  if (deps.config.stepUp.mfa === 'if-enrolled') {
    deps.logger.warn({ setting: 'STEP_UP_MFA=if-enrolled' }, 'admin actions accept a password-only step-up for admins without a second factor; enroll every admin in MFA and unset STEP_UP_MFA');
  }

  app.use('*', async function adminOnly(c, next) {
    requireRole(c, 'admin');
    await next();
  });

  app.get('/', async (c) => {
    const auth = requirePermission(c, 'sessions:read');
    const now = Date.now();
    const [sessions, activeCount, failures, signIns] = await Promise.all([
      deps.auth.sessions.list({ limit: OVERVIEW_ROWS }),
      deps.auth.sessions.count(),
      failureSummary(deps, now),
      deps.audit.countByDay('signin.succeeded', now - 86_400_000),
    ]);
    let users: DirectoryUser[] = [];
    let usersError: string | null = null;
    if (deps.directory) {
      try {
        users = await deps.directory.listUsers(undefined, OVERVIEW_ROWS);
      } catch (err) {
        if (!(err instanceof DirectoryError)) throw err;
        usersError = err.message;
        deps.logger.warn({ code: err.code }, 'Okta Management API call failed');
      }
    }
    const failuresToday = failures.reduce((sum, row) => sum + row.day, 0);
    return c.html(
      <Layout title="Admin" auth={auth} path="/admin">
        <AdminNav current="/admin" config={deps.config} />
        <PageHeader title="Admin panel" lead="Sessions, users and sign-in health at a glance." />
        <LiveRegion id="live-overview" topics={['sessions', 'audit']} label="Overview">
        <div class="stats">
          <Stat label="Active sessions" value={activeCount} />
          <Stat label="Sign-ins, last 24 h" value={signIns.reduce((sum, row) => sum + row.count, 0)} />
          <Stat label="Sign-in problems, last 24 h" value={failuresToday} />
        </div>
        {failuresToday > 0 && (
          <Notice kind="warning">
            {failuresToday} failed or flawed sign-ins and requests in the last 24 hours. <a href="/admin/health">See why and how to fix them</a>.
          </Notice>
        )}
        <section class="card" aria-labelledby="overview-sessions">
          <div class="card__header">
            <h2 id="overview-sessions">Active sessions</h2>
            <a href="/admin/sessions">All sessions</a>
          </div>
          <SessionsTable sessions={sessions} now={now} currentSessionId={auth.session?.id ?? null} canRevoke={auth.permissions.includes('sessions:revoke')} />
        </section>
        </LiveRegion>
        <section class="card" aria-labelledby="overview-users">
          <div class="card__header">
            <h2 id="overview-users">Users</h2>
            <a href="/admin/users">All users</a>
          </div>
          {!deps.directory ? <DirectoryMissing config={deps.config} /> : usersError ? <Notice kind="error">{usersError}</Notice> : <UsersTable users={users} />}
        </section>
      </Layout>,
    );
  });

  app.route('/', sessionRoutes(deps));
  app.route('/', userRoutes(deps));
  app.route('/', userActionRoutes(deps));
  app.route('/', auditRoutes(deps));
  app.route('/', healthRoutes(deps));
  app.route('/', roleRoutes(deps));
  app.route('/', setupRoutes(deps));

  return app;
}
