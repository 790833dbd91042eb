/**
 * The `/auth/*` routes as a Hono sub-app, mounted by the app with `app.route('/auth', authRoutes(auth))`:
 * `GET /login`, `GET /callback`, `POST /logout` (other methods on `/logout` get a 405 page).
 * @see ARCHITECTURE.md "Routes"
 */
import { Hono } from 'hono';
import type { Auth } from '../auth.ts';
import { recordPeerAddress } from './context.ts';

/**
 * The `/auth/*` sub-app for `auth`; records the peer address (per `TRUST_PROXY_HOPS`) before each route.
 * @see OIDC Core §3.1.2 (login), §3.1.3 (callback), OIDC RP-Initiated Logout 1.0 (logout)
 */
export function authRoutes(auth: Auth): Hono {
  const routes = new Hono();
  routes.use(async function gatehousePeerAddress(c, next) {
    recordPeerAddress(c, auth.config.trustProxyHops);
    await next();
  });
  routes.get('/login', (c) => auth.login(c.req.raw));
  routes.get('/callback', (c) => auth.callback(c.req.raw));
  routes.all('/logout', (c) => auth.logout(c.req.raw));
  return routes;
}
