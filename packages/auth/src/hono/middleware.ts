/**
 * The `gatehouse(auth)` middleware: puts the caller's {@link AuthState} on `c.var.caller` — the one
 * place every page, component and API handler reads auth state from — and the core on `c.var.gatehouse`. Pages authenticate by the
 * session cookie; `/api/*` also accepts `Authorization: Bearer <Okta access token>`.
 */
import type { Context, MiddlewareHandler } from 'hono';
import type { Auth, AuthState } from '../auth.ts';
import { bearerChallenge } from '../bearer.ts';
import { AuthError } from '../errors.ts';
import { type AuthEnv, isApiPath } from './context.ts';
import { requestFactsOf } from './node-server.ts';

/** Options of {@link gatehouse}. */
export interface GatehouseMiddlewareOptions {
  /**
   * Whether a request is one a page makes by itself (a live-update stream or refresh) rather than
   * the user's activity: such requests never extend the session's idle expiry. Default: the
   * request carries `X-Gatehouse-Background: 1`.
   */
  isBackground?: (c: Context) => boolean;
}

const backgroundHeader = (c: Context) => c.req.header('x-gatehouse-background') === '1';

/**
 * Creates the middleware. A bad bearer token on `/api/*` is answered right here with `401` and
 * `WWW-Authenticate: Bearer error="invalid_token"`; a bad or expired session cookie simply means
 * "not signed in" (guards decide what that means for the route).
 * @see RFC 6750 §3
 */
export function gatehouse(auth: Auth, options: GatehouseMiddlewareOptions = {}): MiddlewareHandler<AuthEnv> {
  const isBackground = options.isBackground ?? backgroundHeader;
  return async function gatehouseAuth(c, next) {
    let state: AuthState | null = null;
    if (isApiPath(c.req.path) && c.req.header('authorization') !== undefined) {
      try {
        state = await auth.authenticateBearer(c.req.raw, requestFactsOf(c, auth.config.trustProxyHops));
      } catch (err) {
        return bearerChallenge(err instanceof AuthError ? err : new AuthError('AUTH_ACCESS_TOKEN_INVALID', { cause: err }));
      }
    }
    state ??= await auth.authenticate(c.req.raw, { touch: !isBackground(c) });
    c.set('caller', state);
    c.set('gatehouse', auth);
    await next();
  };
}
