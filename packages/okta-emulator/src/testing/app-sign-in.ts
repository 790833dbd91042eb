/**
 * A real sign-in through the app's own routes and the Okta emulator's hosted pages, without a
 * browser: `/auth/login` → `completeSignIn` at the emulator → `/auth/callback` → session cookie.
 * Works against `app.request()` or a listening server alike: the caller says how to send a request.
 */
import assert from 'node:assert/strict';
import { completeSignIn, type CompletedSignIn } from './sign-in.ts';

/** Sends a GET for an app path (with its query) and the given `Cookie` header, without following redirects. */
export type AppGet = (path: string, cookie: string) => Promise<Response>;

/** Options of {@link signInThroughApp}. */
export interface AppSignInOptions {
  /** Cookies the browser already holds for the app (e.g. a session about to step up). */
  cookie?: string;
  /** Answer the emulator's TOTP step with the user's secret. */
  totp?: boolean;
  /** Name of the session cookie; default `gatehouse`. */
  cookieName?: string;
}

/** A `fetch`-backed {@link AppGet} for a server listening at `baseUrl`. */
export function fetchFrom(baseUrl: string): AppGet {
  return (path, cookie) => fetch(`${baseUrl}${path}`, { redirect: 'manual', headers: cookie ? { cookie } : {} });
}

/**
 * Follows `loginPath` (an `/auth/login…` URL the app answers with a redirect to the IdP) through
 * the emulator and back; returns the session `Cookie` value, where the callback sent the browser,
 * the hosted pages shown, and the browser's cookie jar at the emulator (its Okta session).
 */
export async function signInThroughApp(
  get: AppGet,
  loginPath: string,
  user: { login: string; password: string; totpSecret: string },
  options: AppSignInOptions = {},
): Promise<{ cookie: string; landing: string; steps: CompletedSignIn['steps']; jar: CompletedSignIn['jar'] }> {
  const login = await get(loginPath, options.cookie ?? '');
  assert.equal(login.status, 302);
  const txCookie = login.headers.getSetCookie().map((line) => line.split(';')[0]).join('; ');
  const { callbackUrl, steps, jar } = await completeSignIn(login.headers.get('location')!, {
    username: user.login,
    password: user.password,
    ...(options.totp ? { totpSecret: user.totpSecret } : {}),
  });
  const callback = await get(`${callbackUrl.pathname}${callbackUrl.search}`, [options.cookie, txCookie].filter(Boolean).join('; '));
  assert.equal(callback.status, 302, await callback.clone().text());
  const session = callback.headers.getSetCookie().find((line) => line.startsWith(`${options.cookieName ?? 'gatehouse'}=`));
  assert.ok(session, 'a session cookie');
  return { cookie: session.split(';')[0]!, landing: callback.headers.get('location')!, steps, jar };
}
