/**
 * `@gatehouse/auth/hono`: the thin Hono adapter over the framework-agnostic core —
 * the `gatehouse(auth)` middleware (`c.var.auth`), the `/auth/*` routes, and the guards.
 *
 * ```ts
 * const app = new Hono<AuthEnv>();
 * app.use(gatehouse(auth));
 * app.route('/auth', authRoutes(auth));
 * app.get('/admin', (c) => { requireRole(c, 'admin'); return c.html(...) });
 * app.onError((err, c) => err instanceof AccessDeniedError ? renderForbidden(c, err) : ...);
 * ```
 */
export { type AuthEnv, clientAddressOf, isApiPath } from './context.ts';
export { gatehouse, type GatehouseMiddlewareOptions } from './middleware.ts';
export { authRoutes } from './routes.ts';
export { lifecycleRoutes } from './lifecycle-routes.ts';
export {
  AccessDeniedError,
  requirePermission,
  requireRecentAuth,
  requireRole,
  requireSession,
  type AccessDeniedDetails,
  type RecentAuthOptions,
  type SignedInState,
} from './guards.ts';
