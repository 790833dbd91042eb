/**
 * The `/auth/*` routes as a Hono sub-app, mounted by the app with `app.route('/auth', authRoutes(auth))`:
 * `GET /login`, `GET /callback`, `POST /logout` (other methods on `/logout` get a 405 page).
 * @see ARCHITECTURE.md "Routes"
 */
import { type Context, Hono } from 'hono';
import type { Auth } from '../auth.ts';
import { requestFactsOf } from './node-server.ts';

/**
 * The `/auth/*` sub-app for `auth`; each call is told the client address (per `TRUST_PROXY_HOPS`).
 * @see OIDC Core §3.1.2 (login), §3.1.3 (callback), OIDC RP-Initiated Logout 1.0 (logout)
 */
export function authRoutes(auth: Auth): Hono {
  const routes = new Hono();
  const facts = (c: Context) => requestFactsOf(c, auth.config.trustProxyHops);
  routes.get('/login', (c) => auth.login(c.req.raw, facts(c)));
  routes.get('/callback', (c) => auth.callback(c.req.raw, facts(c)));
  routes.all('/logout', (c) => auth.logout(c.req.raw, facts(c)));
  return routes;
}
