/**
 * The session cookie: `__Host-gatehouse` (Secure, HttpOnly, SameSite=Lax, Path=/) over https; on an
 * http base URL the same without the prefix and without `Secure`. Parsing and serializing use the
 * `cookie` package; this module only decides the attributes.
 * @see RFC 6265bis §4.1.3.2 (`__Host-` prefix), §5.4.7 (SameSite)
 */
import { parseCookie, stringifySetCookie } from 'cookie';
import type { GatehouseConfig } from '../config/schema.ts';

/** Every cookie of a request (`Cookie` header), by name. Malformed pairs are skipped. */
export function parseCookies(request: Request): Record<string, string> {
  const header = request.headers.get('cookie');
  if (!header) return {};
  const cookies: Record<string, string> = {};
  for (const [name, value] of Object.entries(parseCookie(header))) if (value !== undefined) cookies[name] = value;
  return cookies;
}

/**
 * A `Set-Cookie` value. HttpOnly and SameSite=Lax unless said otherwise: Lax lets the cookie ride
 * the top-level redirect back from Okta while keeping it off cross-site subresource and POST requests.
 */
export function serializeCookie(
  name: string,
  value: string,
  options: { maxAge?: number; secure: boolean; httpOnly?: boolean; sameSite?: 'lax' | 'strict'; path?: string },
): string {
  if (name.startsWith('__Host-') && (!options.secure || (options.path ?? '/') !== '/')) {
    throw new TypeError(`Cookie ${name}: the __Host- prefix requires Secure and Path=/`);
  }
  return stringifySetCookie(name, value, {
    ...(options.maxAge === undefined ? {} : { maxAge: options.maxAge }),
    secure: options.secure,
    httpOnly: options.httpOnly ?? true,
    sameSite: options.sameSite ?? 'lax',
    path: options.path ?? '/',
  });
}

/** The session cookie: its name, and how to set, clear and read it. */
export interface SessionCookie {
  name: string;
  /** Set-Cookie for a new session token; Max-Age = the absolute session lifetime. */
  serialize(token: string): string;
  /** Set-Cookie that deletes the session cookie. */
  clear(): string;
  /** The session token sent with the request, or null. */
  read(request: Request): string | null;
}

/** The session cookie as the config defines it; built once at start-up (`createAuth`). */
export function sessionCookie(config: GatehouseConfig): SessionCookie {
  const { cookieName: name, cookieSecure: secure, absoluteTimeoutSeconds } = config.session;
  return {
    name,
    serialize: (token) => serializeCookie(name, token, { maxAge: absoluteTimeoutSeconds, secure }),
    clear: () => serializeCookie(name, '', { maxAge: 0, secure }),
    read: (request) => parseCookies(request)[name] || null,
  };
}
