/**
 * `@gatehouse/auth/hono`: the thin Hono adapter over the framework-agnostic core —
 * the `gatehouse(auth)` middleware (`c.var.caller`, `c.var.gatehouse`), the `/auth/*` routes, and the guards.
 * It runs on `@hono/node-server`, whose socket gives the client address (`node-server.ts`).
 *
 * ```ts
 * const app = new Hono<AuthEnv>();
 * app.use(gatehouse(auth));
 * app.route('/auth', authRoutes(auth));
 * app.get('/admin', (c) => { requireRole(c, 'admin'); return c.html(...) });
 * app.onError((err, c) => err instanceof AccessDeniedError ? renderForbidden(c, err) : ...);
 * ```
 */
export { type AuthEnv, callerOf, isApiPath } from './context.ts';
export { clientAddressOf, requestFactsOf } from './node-server.ts';
export { gatehouse, type GatehouseMiddlewareOptions } from './middleware.ts';
export { authRoutes } from './routes.ts';
export { lifecycleRoutes } from './lifecycle-routes.ts';
export {
  AccessDeniedError,
  SignInRequiredError,
  StepUpRequiredError,
  requirePermission,
  requireRecentAuth,
  requireRole,
  requireSession,
  type AccessDeniedDetails,
  type RecentAuthOptions,
  type SignedInState,
} from './guards.ts';
