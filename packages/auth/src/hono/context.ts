/**
 * Glue shared by the Hono middleware, routes and guards: the context type — the caller's
 * {@link AuthState} on `c.var.caller`, the {@link Auth} core that answered on `c.var.gatehouse` —
 * and request helpers.
 */
import type { Context } from 'hono';
import type { Auth, AuthState } from '../auth.ts';

/**
 * Hono env of apps using `gatehouse(auth)`: `c.var.caller` is the caller's {@link AuthState} (their
 * user, roles and `session`), `c.var.gatehouse` the auth core (whose `sessions` are everyone's).
 */
export type AuthEnv = { Variables: { caller: AuthState; gatehouse: Auth } };

/** The caller's state and the {@link Auth} core behind it; throws (a programming error) without the middleware. */
export function callerOf(c: Context<AuthEnv>): { caller: AuthState; auth: Auth } {
  const caller = c.get('caller');
  const auth = c.get('gatehouse');
  if (!caller || !auth) throw new Error('Gatehouse guards need the gatehouse(auth) middleware in front of this route');
  return { caller, auth };
}

/** Whether `path` is under `/api` (where bearer tokens are accepted and answers are JSON). */
export function isApiPath(path: string): boolean {
  return path === '/api' || path.startsWith('/api/');
}

/** Whether the request is an API call (JSON answers) rather than a page view (redirects). */
export function wantsJson(c: Context): boolean {
  return isApiPath(c.req.path) || (c.req.header('accept') ?? '').includes('application/json');
}

/** The current path and query, for `returnTo`. */
export function currentPath(c: Context): string {
  const url = new URL(c.req.url);
  return `${url.pathname}${url.search}`;
}
