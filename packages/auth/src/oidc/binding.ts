/**
 * Binds a login transaction to the browser that started it: a random cookie whose SHA-256 is
 * stored in the transaction. One value per browser, shared by its tabs, so several tabs signing
 * in at once each find their own transaction (keyed by `state`) and the same binding.
 * @see RFC 9700 §4.7.1 (CSRF protection of the redirect), §2.1
 */
import type { GatehouseConfig } from '../config/schema.ts';
import { randomToken, sha256, timingSafeEqualString } from '../crypto.ts';
import { parseCookies, serializeCookie } from '../session/cookie.ts';

/**
 * Lifetime of a login transaction and of its binding cookie, in seconds. 10 min: an abandoned
 * login must not stay replayable; the cookie lives as long as a transaction.
 */
export const TRANSACTION_TTL_SECONDS = 600;
// 32 bytes = 256 bits from getRandomValues: unguessable by a site trying to forge a callback.
const BINDING_BYTES = 32;
const BINDING_SHAPE = /^[A-Za-z0-9_-]{43}$/;

/** `__Host-gatehouse_tx` over https, `gatehouse_tx` on an http loopback base URL. */
export function bindingCookieName(config: GatehouseConfig): string {
  return config.session.cookieSecure ? '__Host-gatehouse_tx' : 'gatehouse_tx';
}

/**
 * The browser's binding value (reusing a well-formed existing one so parallel tabs agree), its
 * hash for the transaction, and the Set-Cookie that (re)starts its 10-minute life.
 */
export async function bindBrowser(request: Request, config: GatehouseConfig): Promise<{ hash: string; setCookie: string }> {
  const name = bindingCookieName(config);
  const existing = parseCookies(request)[name];
  const value = existing && BINDING_SHAPE.test(existing) ? existing : randomToken(BINDING_BYTES);
  return {
    hash: await sha256(value),
    setCookie: serializeCookie(name, value, { maxAge: TRANSACTION_TTL_SECONDS, secure: config.session.cookieSecure }),
  };
}

/** Whether the request carries the binding cookie whose hash is `expectedHash` (constant-time). */
export async function isBoundBrowser(request: Request, config: GatehouseConfig, expectedHash: string): Promise<boolean> {
  const value = parseCookies(request)[bindingCookieName(config)];
  if (!value || !BINDING_SHAPE.test(value)) return false;
  return timingSafeEqualString(await sha256(value), expectedHash);
}
