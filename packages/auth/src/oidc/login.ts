/**
 * `GET /auth/login`: starts the authorization code flow with PKCE S256, `state` and `nonce`,
 * stores the transaction server-side (single-use, 10 minutes) bound to this browser, and
 * redirects to the IdP's authorization endpoint.
 * @see RFC 6749 §4.1.1, RFC 7636 (PKCE), OIDC Core §3.1.2.1, RFC 9700 §2.1.1
 */
import * as oidc from 'openid-client';
import { requestFields, type RequestFacts } from '../request-summary.ts';
import { AuthError, errorSummary, ownFailure } from '../errors.ts';
import { normalizeReturnTo } from '../return-to.ts';
import { bindBrowser, TRANSACTION_TTL_SECONDS } from './binding.ts';
import { errorResponse, type FlowContext, loginUrl } from './context.ts';

/** Okta's `acr_values` for "any second factor", asked for by MFA step-up. */
export const MFA_ACR = 'urn:okta:loa:2fa:any';
/** Okta's `acr_values` for "a second factor when the user has one enrolled" (step-up, MFA when enrolled). */
export const MFA_IF_ENROLLED_ACR = 'urn:okta:loa:2fa:any:ifpossible';

/** Whether an `acr_values` request insists on a second factor (`…:ifpossible` does not). */
export function demandsMfa(acrValues: string | undefined): boolean {
  return (acrValues ?? '').split(' ').includes(MFA_ACR);
}

const PROMPTS = new Set(['login', 'consent', 'none', 'login consent']);
// Values we forward to the IdP are short ASCII tokens; anything else is refused, not forwarded.
const ACR_SHAPE = /^[A-Za-z0-9:._ -]{1,200}$/;
const MAX_LOGIN_HINT = 256;
// 1 year: a larger max_age is meaningless and likely a typo.
const MAX_MAX_AGE_SECONDS = 31_536_000;

interface LoginParams {
  returnTo: string;
  prompt?: string;
  maxAge?: number;
  acrValues?: string;
  loginHint?: string;
}

function readParams(url: URL): LoginParams {
  const q = url.searchParams;
  const params: LoginParams = { returnTo: normalizeReturnTo(q.get('returnTo')) };
  const prompt = q.get('prompt');
  if (prompt !== null && prompt !== '') {
    if (!PROMPTS.has(prompt)) throw new AuthError('AUTH_BAD_REQUEST', { detail: 'prompt must be login, consent or none', reason: 'bad_prompt' });
    params.prompt = prompt;
  }
  const maxAge = q.get('max_age');
  if (maxAge !== null && maxAge !== '') {
    if (!/^\d{1,9}$/.test(maxAge) || Number(maxAge) > MAX_MAX_AGE_SECONDS) throw new AuthError('AUTH_BAD_REQUEST', { detail: 'max_age must be a number of seconds', reason: 'bad_max_age' });
    params.maxAge = Number(maxAge);
  }
  const acr = q.get('acr_values');
  if (acr !== null && acr !== '') {
    if (!ACR_SHAPE.test(acr)) throw new AuthError('AUTH_BAD_REQUEST', { detail: 'acr_values is malformed', reason: 'bad_acr_values' });
    params.acrValues = acr;
  }
  const hint = q.get('login_hint');
  if (hint !== null && hint !== '') {
    if (hint.length > MAX_LOGIN_HINT || /[\u0000-\u001f\u007f]/.test(hint)) throw new AuthError('AUTH_BAD_REQUEST', { detail: 'login_hint is malformed', reason: 'bad_login_hint' });
    params.loginHint = hint;
  }
  return params;
}

/**
 * The IdP's configuration, only when the IdP answers right now (the cached probe): a redirect to a
 * dead host would show the browser's own connection error instead of our "Okta is unreachable"
 * page. During a discovery backoff a good probe lets discovery run at once.
 */
async function reachableIdp(ctx: FlowContext) {
  let configuration;
  try {
    configuration = await ctx.client.configuration();
  } catch (err) {
    if (!(err instanceof AuthError && err.reason === 'discovery_backoff') || (await ctx.client.probe()).state !== 'ok') throw err;
    configuration = await ctx.client.configuration();
  }
  const idp = await ctx.client.probe();
  // Only a definite failure (refused, reset, unknown host, a 5xx) turns the sign-in away: a probe
  // that merely timed out may be our own busy event loop, and a slow IdP still answers the browser.
  if (idp.state !== 'ok' && idp.cause !== 'timeout') throw new AuthError('AUTH_IDP_UNAVAILABLE', { reason: 'idp_unreachable' });
  return configuration;
}

/** Handles `GET /auth/login?returnTo=&prompt=&max_age=&acr_values=&login_hint=`. */
export async function handleLogin(ctx: FlowContext, request: Request, facts: RequestFacts = {}): Promise<Response> {
  let params: LoginParams = { returnTo: '/' };
  try {
    params = readParams(new URL(request.url));
    const configuration = await reachableIdp(ctx);
    const binding = await bindBrowser(request, ctx.config);
    const codeVerifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const createdAt = ctx.now();
    await ctx.transactions.putTransaction({
      state,
      codeVerifier,
      nonce,
      returnTo: params.returnTo,
      browserBinding: binding.hash,
      ...(params.maxAge === undefined ? {} : { maxAge: params.maxAge }),
      ...(params.acrValues === undefined ? {} : { acrValues: params.acrValues }),
      createdAt,
      expiresAt: createdAt + TRANSACTION_TTL_SECONDS * 1000,
    });
    const authorizationUrl = oidc.buildAuthorizationUrl(configuration, {
      // From config only, never from Host / X-Forwarded-*: the IdP must send the code back to us.
      redirect_uri: ctx.config.redirectUri,
      response_type: 'code',
      scope: ctx.config.okta.scopes.join(' '),
      state,
      nonce,
      code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
      ...(params.prompt ? { prompt: params.prompt } : {}),
      ...(params.maxAge === undefined ? {} : { max_age: String(params.maxAge) }),
      ...(params.acrValues ? { acr_values: params.acrValues } : {}),
      ...(params.loginHint ? { login_hint: params.loginHint } : {}),
    });
    await ctx.audit.emit({
      type: 'signin.started',
      result: 'success',
      ...requestFields(request, facts),
      detail: { returnTo: params.returnTo, stepUp: params.maxAge !== undefined || params.acrValues !== undefined },
    });
    return new Response(null, {
      status: 302,
      headers: [
        ['location', authorizationUrl.href],
        ['set-cookie', binding.setCookie],
        ['cache-control', 'no-store'],
      ],
    });
  } catch (err) {
    // Our store or disk failing is a 503 of its own, never blamed on the request; anything else
    // unexpected (a bug) still gets a 4xx page and an error line.
    const own = err instanceof AuthError ? null : ownFailure(err);
    const error = err instanceof AuthError ? err : own ?? new AuthError('AUTH_BAD_REQUEST', { cause: err, reason: 'unexpected_error' });
    if (own) ctx.logger.error({ step: 'login', ...errorSummary(own) }, 'sign-in could not start: our store failed');
    else if (!(err instanceof AuthError)) ctx.logger.error({ step: 'login', ...errorSummary(err) }, 'sign-in could not start: unexpected error');
    else ctx.logger.warn({ step: 'login', ...errorSummary(error) }, 'sign-in could not start');
    await ctx.audit.emit({ type: 'signin.failed', result: 'failure', reason: error.reason, ...requestFields(request, facts) });
    return errorResponse(ctx, error, loginUrl(params.returnTo));
  }
}

/**
 * `/auth/login?…` that sends the user back through the IdP for a fresh (and optionally MFA)
 * sign-in, coming back to `returnTo`.
 * @see OIDC Core §3.1.2.1 (`max_age`, `prompt=login`, `acr_values`), RFC 9470 (step-up)
 */
export function stepUpUrl(returnTo: string, options: { maxAgeSeconds?: number; mfa?: boolean | 'if-enrolled' } = {}): string {
  const query = new URLSearchParams({ returnTo: normalizeReturnTo(returnTo) });
  if (options.maxAgeSeconds !== undefined) query.set('max_age', String(Math.max(0, Math.floor(options.maxAgeSeconds))));
  if (options.mfa === 'if-enrolled') query.set('acr_values', MFA_IF_ENROLLED_ACR);
  else if (options.mfa) query.set('acr_values', MFA_ACR);
  // prompt=login: the IdP must authenticate again even if its own session is fresh.
  query.set('prompt', 'login');
  return `/auth/login?${query.toString()}`;
}
