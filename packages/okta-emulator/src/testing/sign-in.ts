import { createHash, randomBytes } from 'node:crypto';
import { DEMO_CLIENT_ID } from '../directory/demo.ts';
import type { Emulator } from '../server.ts';
import { currentTotp } from '../signin/totp.ts';
import { CookieJar } from './cookie-jar.ts';

/**
 * Browserless sign-in against a running emulator, for tests: follows the authorization request
 * through the hosted sign-in pages with `fetch`, keeping the emulator's cookies like a browser.
 */

/**
 * Why a browserless sign-in stopped: the emulator refused it on a page, the authorization
 * response was an error, or the caller did not give what a step asked for.
 */
export type SignInErrorCode = 'SIGN_IN_REFUSED' | 'AUTHORIZATION_ERROR' | 'INPUT_MISSING' | 'TOO_MANY_REDIRECTS';

/** A sign-in that did not end with a code at the client's redirect URI. */
export class SignInError extends Error {
  override readonly name = 'SignInError';
  readonly code: SignInErrorCode;
  /** HTTP status of the page where it stopped (400 for an authorization error response). */
  readonly status: number;
  constructor(code: SignInErrorCode, message: string, status: number) {
    super(message);
    this.code = code;
    this.status = status;
  }
}

/** Options of {@link completeSignIn}. */
export interface CompleteSignInOptions {
  username?: string;
  password?: string;
  /** Base32 TOTP secret; the current code is computed when the second-factor page appears. */
  totpSecret?: string;
  /** Keep cookies across sign-ins (single sign-on, logout tests); default a fresh jar. */
  jar?: CookieJar;
}

/** Where a sign-in ended. */
export interface CompletedSignIn {
  /** The client redirect URI with the authorization response (`code`, `state`, `iss`, or `error`). */
  callbackUrl: URL;
  jar: CookieJar;
  /** The hosted pages the user was shown, in order (empty for single sign-on). */
  steps: Array<'password' | 'totp'>;
}

function formOf(html: string): { action: string; csrf: string; kind: 'password' | 'totp' } | null {
  const action = /<form method="post" action="([^"]+)"/.exec(html)?.[1];
  const csrf = /name="csrf" value="([^"]+)"/.exec(html)?.[1];
  if (!action || !csrf) return null;
  return { action, csrf, kind: html.includes('name="password"') ? 'password' : 'totp' };
}

function alertOf(html: string): string | undefined {
  return /<div role="alert"[^>]*>([^<]*)</.exec(html)?.[1]?.trim();
}

/**
 * Follows an authorization URL of the emulator to the client's redirect URI, filling in the
 * hosted sign-in form (and the TOTP step when asked). Throws {@link SignInError} when the
 * emulator stops on a page (wrong password, suspended user, expired request, …).
 */
export async function completeSignIn(authorizationUrl: string | URL, options: CompleteSignInOptions = {}): Promise<CompletedSignIn> {
  const jar = options.jar ?? new CookieJar();
  const origin = new URL(authorizationUrl).origin;
  const steps: CompletedSignIn['steps'] = [];
  let url = new URL(authorizationUrl);
  let body: URLSearchParams | undefined;

  // 20 hops: authorize → sign-in → (totp) → resume → callback takes at most 6.
  for (let hop = 0; hop < 20; hop += 1) {
    const response = await fetch(url, {
      method: body ? 'POST' : 'GET',
      redirect: 'manual',
      headers: { cookie: jar.header(), ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
      ...(body ? { body } : {}),
    });
    jar.store(response);
    body = undefined;
    const location = response.headers.get('location');
    if (response.status >= 300 && response.status < 400 && location) {
      const next = new URL(location, url);
      if (next.origin !== origin) return { callbackUrl: next, jar, steps };
      url = next;
      continue;
    }
    const html = await response.text();
    const form = response.status === 200 ? formOf(html) : null;
    if (!form) {
      throw new SignInError('SIGN_IN_REFUSED', alertOf(html) ?? `sign-in stopped with HTTP ${response.status} at ${url.pathname}`, response.status);
    }
    if (steps.includes(form.kind)) {
      throw new SignInError('SIGN_IN_REFUSED', alertOf(html) ?? `the ${form.kind} step was asked twice`, response.status);
    }
    steps.push(form.kind);
    url = new URL(form.action, url);
    if (form.kind === 'password') {
      if (options.username === undefined || options.password === undefined) {
        throw new SignInError('INPUT_MISSING', 'the emulator asked for a password but none was given', response.status);
      }
      body = new URLSearchParams({ csrf: form.csrf, username: options.username, password: options.password });
    } else {
      if (!options.totpSecret) {
        throw new SignInError('INPUT_MISSING', 'the emulator asked for a TOTP code but no totpSecret was given', response.status);
      }
      body = new URLSearchParams({ csrf: form.csrf, code: currentTotp(options.totpSecret) });
    }
  }
  throw new SignInError('TOO_MANY_REDIRECTS', 'too many redirects during sign-in', 508);
}

/** Options of {@link signIn}. */
export interface SignInOptions extends CompleteSignInOptions {
  clientId?: string;
  /** Default: the client's first registered redirect URI. */
  redirectUri?: string;
  /** Default `openid profile email`. */
  scope?: string;
  /** Extra authorization request parameters (`acr_values`, `prompt`, `max_age`, `login_hint`, …). */
  params?: Record<string, string>;
}

/** A successful authorization response plus what the token request needs. */
export interface SignInResult extends CompletedSignIn {
  code: string;
  state: string;
  nonce: string;
  /** PKCE verifier for the code's challenge (S256). */
  codeVerifier: string;
  redirectUri: string;
  /** The `iss` authorization response parameter (RFC 9207). */
  iss: string | null;
}

/**
 * A complete browserless sign-in at the emulator's default authorization server with PKCE S256,
 * `state` and `nonce`; returns the authorization code and what redeeming it needs.
 *
 * @see https://www.rfc-editor.org/rfc/rfc7636#section-4 (PKCE)
 */
export async function signIn(emulator: Pick<Emulator, 'issuer' | 'directory'>, options: SignInOptions = {}): Promise<SignInResult> {
  const clientId = options.clientId ?? DEMO_CLIENT_ID;
  const redirectUri = options.redirectUri ?? emulator.directory.getApp(clientId)?.redirectUris[0];
  if (!redirectUri) throw new Error(`client ${clientId} has no redirect URI in the emulator's directory`);
  const state = randomBytes(16).toString('base64url');
  const nonce = randomBytes(16).toString('base64url');
  const codeVerifier = randomBytes(32).toString('base64url');
  const url = new URL(`${emulator.issuer}/v1/authorize`);
  url.search = new URLSearchParams({
    client_id: clientId,
    response_type: 'code',
    redirect_uri: redirectUri,
    scope: options.scope ?? 'openid profile email',
    state,
    nonce,
    code_challenge: createHash('sha256').update(codeVerifier).digest('base64url'),
    code_challenge_method: 'S256',
    ...options.params,
  }).toString();
  const done = await completeSignIn(url, options);
  const params = done.callbackUrl.searchParams;
  const code = params.get('code');
  if (!code) {
    throw new SignInError('AUTHORIZATION_ERROR', `authorization failed: ${params.get('error') ?? 'no code'} ${params.get('error_description') ?? ''}`.trim(), 400);
  }
  if (params.get('state') !== state) throw new SignInError('AUTHORIZATION_ERROR', 'state mismatch in the authorization response', 400);
  return { ...done, code, state, nonce, codeVerifier, redirectUri, iss: params.get('iss') };
}
