/**
 * `/api/*`: JSON for scripts and other services. Signed in by session cookie or an Okta access
 * token (`Authorization: Bearer`); anything else gets `401` JSON, never a redirect.
 * @see ARCHITECTURE.md "Routes" (`GET /api/me`)
 */
import { Hono } from 'hono';
import { requirePermission, requireSession } from '@gatehouse/auth/hono';
import type { AuthEnv } from '../../app-context.ts';

/**
 * The `/api` sub-app: `GET /me` returns `sub`, `email`, `name`, `groups`, `roles` as JSON.
 * @see ARCHITECTURE.md "Routes"
 */
export function apiRoutes(): Hono<AuthEnv> {
  const app = new Hono<AuthEnv>();

  app.get('/me', (c) => {
    requireSession(c);
    const auth = requirePermission(c, 'profile:read');
    const user = auth.user!;
    return c.json({ sub: user.sub, email: user.email, name: user.name, groups: user.groups, roles: auth.roles });
  });

  return app;
}
