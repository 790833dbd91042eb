/**
 * The Gatehouse dashboard as a Hono app: security headers, metrics, CSRF and rate limiting in
 * front; the auth middleware and `/auth/*` routes from `@gatehouse/auth/hono`; then the pages.
 * Built from {@link AppDeps} so tests drive it with `app.request()` over real stores and auth.
 * @see ARCHITECTURE.md "Routes"
 */
import { readFileSync } from 'node:fs';
import { Hono, type MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { contextStorage } from 'hono/context-storage';
import { HTTPException } from 'hono/http-exception';
import { authRoutes, gatehouse, lifecycleRoutes } from '@gatehouse/auth/hono';
import type { AuditEvent, AuthEnv, AppDeps } from './app-context.ts';
import { errorHandler, notFound } from './errors.tsx';
import { limitCountersFor } from '@gatehouse/auth/stores/counters';
import { authRateLimit, bearerFailureLimit } from './middleware/rate-limit.tsx';
import { csrfProtection, securityHeaders } from './middleware/security.ts';
import { adminRoutes } from './routes/admin/index.tsx';
import { apiRoutes } from './routes/api/index.ts';
import { dashboardRoutes } from './routes/dashboards/index.tsx';
import { homeRoutes } from './routes/home/index.tsx';
import { liveAssetRoutes } from './routes/live/assets.ts';
import { liveCursorMiddleware, liveRoutes } from './routes/live/index.tsx';
import { opsRoutes } from './routes/ops/index.ts';
import { profileRoutes } from './routes/profile/index.tsx';
import { appNavigationItems, mountApps } from './project/mount.tsx';
import { appNavigation } from './views/project-nav.ts';

export type { AppDeps } from './app-context.ts';

const STYLESHEET = readFileSync(new URL('./static/app.css', import.meta.url), 'utf8');

// 64 KiB: the largest form (new user) is well under 1 KiB; anything bigger is not ours.
const MAX_BODY_BYTES = 64 * 1024;

const PROBE_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

/** Logs one line per request: method, path (never the query: callbacks carry codes), status, time. */
function requestLog(deps: AppDeps): MiddlewareHandler {
  return async function logRequest(c, next) {
    const started = performance.now();
    await next();
    const line = { method: c.req.method, path: c.req.path, status: c.res.status, ms: Math.round(performance.now() - started) };
    // Probes and scrapes arrive every few seconds; they would drown the log at info level.
    if (PROBE_PATHS.has(c.req.path) && c.res.status < 400) deps.logger.debug(line, 'request');
    else deps.logger.info(line, 'request');
  };
}

/**
 * Builds the app. Order matters: metrics and headers wrap everything (so error pages carry them
 * too); operator endpoints and the stylesheet need no session; CSRF runs before any handler that
 * changes state, including `/auth/logout`.
 */
export function createApp(deps: AppDeps): Hono<AuthEnv> {
  const app = new Hono<AuthEnv>({ strict: false });

  app.use('*', deps.metrics.middleware);
  app.use('*', requestLog(deps));
  app.use('*', securityHeaders(deps.config));
  app.use('*', appNavigation(appNavigationItems(deps.apps ?? [])));

  app.get('/static/app.css', (c) => c.body(STYLESHEET, 200, { 'Content-Type': 'text/css; charset=utf-8', 'Cache-Control': 'public, max-age=3600' }));
  app.route('/', liveAssetRoutes());
  app.route('/', opsRoutes(deps));
  // Okta's servers call these (hooks, logout notifications): no CSRF, no per-IP sign-in budget; each bounds its own body.
  app.route('/', lifecycleRoutes(deps.auth));

  const limitBody = bodyLimit({
    maxSize: MAX_BODY_BYTES,
    onError: () => {
      throw new HTTPException(413, { message: 'Request body too large' });
    },
  });
  // Not for the live stream: reading `body` would build a second Request per connection, held for
  // as long as the stream is open (GET /live reads no body).
  // Nor for GET and HEAD, which carry no body here: asking for `c.req.raw.body` would turn the
  // server's lightweight request into a full one (an AbortController and listeners) on every page view.
  app.use('*', async function limitRequestBody(c, next) {
    const method = c.req.method;
    if (method === 'GET' || method === 'HEAD') return next();
    return limitBody(c, next);
  });
  app.use('*', csrfProtection(deps.config));
  const limits = {
    config: deps.config,
    counters: deps.counters ?? limitCountersFor(deps.sessions),
    transactions: deps.sessions,
    logger: deps.logger,
    ...(deps.authRateLimit ? { failures: deps.authRateLimit } : {}),
    onLimited: deps.metrics.countLimited,
    audit: (event: AuditEvent) => deps.audit.record(event),
  };
  app.use('/auth/*', authRateLimit(limits));
  app.use('/api/*', bearerFailureLimit(limits));
  // Live streams and the refreshes they trigger are not the user's activity: no idle extension.
  app.use('*', gatehouse(deps.auth, { isBackground: (c) => c.req.path === '/live' || c.req.header('x-gatehouse-background') === '1' }));
  // Pages read request facts while rendering (the live cursor) through AsyncLocalStorage.
  app.use('*', contextStorage());
  app.use('*', liveCursorMiddleware(deps.live));

  app.route('/auth', authRoutes(deps.auth));
  app.route('/', homeRoutes(deps));
  app.route('/', liveRoutes(deps));
  app.route('/dashboards', dashboardRoutes(deps));
  app.route('/admin', adminRoutes(deps));
  app.route('/profile', profileRoutes());
  app.route('/api', apiRoutes());
  mountApps(app, deps);

  app.notFound(notFound());
  app.onError(errorHandler(deps.logger));
  return app;
}
