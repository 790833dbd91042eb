/**
 * Test helpers for driving the auth core over Web `Request`/`Response` without a browser: a
 * minimal cookie jar, and starting a login the way a browser would.
 */
import { parseSetCookie } from 'cookie';
import type { Auth } from '../auth.ts';

/** A tiny cookie jar: applies `Set-Cookie` headers and renders a `Cookie` header. */
export class CookieJar {
  readonly #cookies = new Map<string, string>();

  /** Applies every Set-Cookie of `response` (Max-Age=0 deletes). */
  apply(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      // Values kept as sent (no percent-decoding), so the Cookie header sends them back unchanged.
      const { name, value, maxAge } = parseSetCookie(line, { decode: (raw) => raw });
      if (maxAge === 0 || !value) this.#cookies.delete(name);
      else this.#cookies.set(name, value);
    }
  }

  get(name: string): string | undefined {
    return this.#cookies.get(name);
  }

  set(name: string, value: string): void {
    this.#cookies.set(name, value);
  }

  delete(name: string): void {
    this.#cookies.delete(name);
  }

  /** The `Cookie` request header value ('' when empty). */
  header(): string {
    return [...this.#cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }
}

/** A request to the app at `path` carrying the jar's cookies. */
export function appRequest(auth: Auth, path: string, jar: CookieJar, init: RequestInit = {}): Request {
  const headers = new Headers(init.headers);
  const cookie = jar.header();
  if (cookie) headers.set('cookie', cookie);
  return new Request(new URL(path, auth.config.appBaseUrl), { ...init, headers });
}

/** Calls `auth.login` for `path` and returns the IdP authorization URL (the 302 Location). */
export async function beginLogin(auth: Auth, jar: CookieJar, path = '/auth/login?returnTo=%2Fdashboards'): Promise<string> {
  const response = await auth.login(appRequest(auth, path, jar));
  if (response.status !== 302) throw new Error(`login answered ${response.status}: ${await response.text()}`);
  jar.apply(response);
  return response.headers.get('location')!;
}

/** Calls `auth.callback` with the IdP's redirect URL (made relative to the app) and applies its cookies. */
export async function finishLogin(auth: Auth, jar: CookieJar, callbackUrl: string): Promise<Response> {
  const url = new URL(callbackUrl);
  const response = await auth.callback(appRequest(auth, `${url.pathname}${url.search}`, jar));
  jar.apply(response);
  return response;
}
