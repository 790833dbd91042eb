/**
 * Real sign-ins against the dashboard under test, driven like a browser would (no shortcut past
 * any check): `GET /auth/login` → the emulator's hosted sign-in (`completeSignIn`: password, and
 * TOTP when asked) → `GET /auth/callback` with the login's binding cookie, where the dashboard
 * exchanges the code on loopback, validates the ID token and writes a new session.
 *
 * Each browser keeps its emulator cookies, so after its first sign-in the emulator answers with
 * single sign-on (as Okta does for a user with an Okta session) and the run spends its time in the
 * dashboard's callback, not in password hashing at the IdP.
 */
import { CookieJar, completeSignIn } from '../../packages/okta-emulator/src/testing/index.ts';

/** The configured public URL: the emulator's demo client redirects there; requests go to the real port. */
export const APP_BASE_URL = 'http://localhost:3000';

export interface Credentials {
  username: string;
  password: string;
  totpSecret?: string;
}

/** One browser: its emulator cookies (single sign-on after the first sign-in) and who signs in. */
export interface Browser {
  credentials: Credentials;
  jar: CookieJar;
}

/** The dashboard under test: where it listens and its session cookie's name. */
export interface Target {
  url: string;
  cookieName: string;
}

export function browser(credentials: Credentials): Browser {
  return { credentials, jar: new CookieJar() };
}

function local(target: Target, location: string): string {
  const url = new URL(location, APP_BASE_URL);
  return `${target.url}${url.pathname}${url.search}`;
}

/** A completed sign-in: the session cookie (`name=value`) and how long `GET /auth/callback` took. */
export interface SignedIn {
  cookie: string;
  callbackMs: number;
}

/** One sign-in of `who`, returning to `returnTo`; throws unless it ends with a session cookie. */
export async function signInOnce(target: Target, who: Browser, returnTo = '/profile'): Promise<SignedIn> {
  const login = await fetch(`${target.url}/auth/login?returnTo=${encodeURIComponent(returnTo)}`, { redirect: 'manual' });
  await login.arrayBuffer();
  const location = login.headers.get('location');
  if (login.status !== 302 || !location) throw new Error(`/auth/login answered ${login.status}, not a redirect to the IdP`);
  const binding = login.headers.getSetCookie().map((line) => line.split(';')[0]).join('; ');
  const { callbackUrl } = await completeSignIn(location, { ...who.credentials, jar: who.jar });
  const started = performance.now();
  const callback = await fetch(local(target, callbackUrl.toString()), { redirect: 'manual', headers: { cookie: binding } });
  await callback.arrayBuffer();
  const callbackMs = performance.now() - started;
  const session = callback.headers.getSetCookie().find((line) => line.startsWith(`${target.cookieName}=`));
  if (callback.status !== 302 || !session) throw new Error(`/auth/callback answered ${callback.status} without a session cookie`);
  return { cookie: session.split(';')[0]!, callbackMs };
}

/** What a run of sign-ins gave: callback latencies (ms, sorted) and its rate. */
export interface SignInRun {
  count: number;
  seconds: number;
  perSecond: number;
  callbackMs: number[];
}

/**
 * `count` sign-ins by `browsers` in parallel (one sign-in at a time per browser); the first
 * failure stops the run and is thrown.
 */
export async function signInMany(target: Target, browsers: Browser[], count: number): Promise<SignInRun> {
  const callbackMs: number[] = [];
  let issued = 0;
  const started = performance.now();
  await Promise.all(
    browsers.map(async (who) => {
      while (issued < count) {
        issued++;
        callbackMs.push((await signInOnce(target, who)).callbackMs);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  callbackMs.sort((a, b) => a - b);
  return { count: callbackMs.length, seconds, perSecond: callbackMs.length / seconds, callbackMs };
}
