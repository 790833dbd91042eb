/**
 * Glue shared by the Hono middleware, routes and guards: the context type, the link from an
 * {@link AuthState} back to its {@link Auth} (so guards can audit without widening `AuthEnv`),
 * and request helpers.
 */
import type { Context } from 'hono';
import type { Auth, AuthState } from '../auth.ts';
import { resolveClientAddress, setClientAddress } from '../audit.ts';

/** Hono env of apps using `gatehouse()`: `c.var.auth` is the caller's {@link AuthState}. */
export type AuthEnv = { Variables: { auth: AuthState } };

const owners = new WeakMap<AuthState, Auth>();

/** Records which {@link Auth} produced `state`. */
export function bindState(state: AuthState, auth: Auth): void {
  owners.set(state, auth);
}

/** The caller's state and the {@link Auth} behind it; throws (a programming error) without the middleware. */
export function authOf(c: Context<AuthEnv>): { state: AuthState; auth: Auth } {
  const state = c.get('auth');
  const auth = state ? owners.get(state) : undefined;
  if (!state || !auth) throw new Error('Gatehouse guards need the gatehouse(auth) middleware in front of this route');
  return { state, auth };
}

/** The client address of a request served by @hono/node-server, trusting `trustProxyHops` proxies. */
export function clientAddressOf(c: Context, trustProxyHops: number): string | null {
  const env = c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined;
  return resolveClientAddress(env?.incoming?.socket?.remoteAddress, c.req.header('x-forwarded-for'), trustProxyHops);
}

/** Hands the client address to the core for sessions and audit summaries. */
export function recordPeerAddress(c: Context, trustProxyHops: number): void {
  setClientAddress(c.req.raw, clientAddressOf(c, trustProxyHops));
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
