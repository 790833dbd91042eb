/**
 * The server-to-server lifecycle endpoints as a Hono sub-app, mounted at the root before CSRF and
 * the `/auth/*` rate limit (their callers are Okta's servers, not browsers):
 * `GET`/`POST /hooks/okta` (Okta Event Hooks), `POST /auth/global-token-revocation` (Universal Logout),
 * `POST /auth/backchannel-logout` (OIDC Back-Channel Logout 1.0).
 * @see ARCHITECTURE.md "Routes" (wave 2)
 */
import { Hono } from 'hono';
import type { Auth } from '../auth.ts';

/** The lifecycle sub-app for `auth`: `app.route('/', lifecycleRoutes(auth))`. */
export function lifecycleRoutes(auth: Auth): Hono {
  const routes = new Hono();
  routes.all('/hooks/okta', (c) => auth.eventHook(c.req.raw));
  routes.all('/auth/global-token-revocation', (c) => auth.globalTokenRevocation(c.req.raw));
  routes.all('/auth/backchannel-logout', (c) => auth.backchannelLogout(c.req.raw));
  return routes;
}
