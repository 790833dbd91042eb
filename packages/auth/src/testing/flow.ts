/**
 * Test helpers for driving the auth core over Web `Request`/`Response` without a browser:
 * starting and finishing a login the way a browser would, with the test kit's one cookie jar
 * (`@gatehouse/okta-emulator/testing`).
 */
import type { CookieJar } from '@gatehouse/okta-emulator/testing';
import type { Auth } from '../auth.ts';

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
  jar.store(response);
  return response.headers.get('location')!;
}

/** Calls `auth.callback` with the IdP's redirect URL (made relative to the app) and applies its cookies. */
export async function finishLogin(auth: Auth, jar: CookieJar, callbackUrl: string): Promise<Response> {
  const url = new URL(callbackUrl);
  const response = await auth.callback(appRequest(auth, `${url.pathname}${url.search}`, jar));
  jar.store(response);
  return response;
}
