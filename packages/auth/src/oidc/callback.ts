/**
 * `GET /auth/callback`: takes the single-use transaction named by `state`, checks the browser
 * binding and expiry, lets `openid-client` check the response (RFC 9207 `iss`, `state`, IdP
 * `error`), exchange the code with the PKCE verifier and validate the ID token (signature
 * allowlist, `iss`, `aud`, `azp`, `exp`, `iat`, `nonce`, `auth_time`), then creates a brand-new
 * session and redirects to `returnTo`.
 * @see RFC 6749 §4.1.2–4.1.4, RFC 9207, OIDC Core §3.1.3.7, RFC 9700 §4.5 (replay), §4.7 (CSRF)
 */
import * as oidc from 'openid-client';
import { userFields } from '../audit.ts';
import { clientNetwork, requestFields, summarizeUserAgent, type RequestFacts } from '../request-summary.ts';
import { AuthError, errorSummary, oauthErrorCode, toAuthError } from '../errors.ts';
import type { LoginTransaction } from '../types.ts';
import { isBoundBrowser } from './binding.ts';
import { completeGroups } from './groups.ts';
import { groupsAuditFields, hasMfa, identityFromClaims } from './claims.ts';
import { errorResponse, type FlowContext, loginUrl } from './context.ts';
import { demandsMfa } from './login.ts';

// When no expires_in comes back, assume 5 min: refreshing early is harmless, late is not.
const DEFAULT_ACCESS_TOKEN_SECONDS = 300;

/** Access token expiry (epoch ms) from a token response. */
export function accessTokenExpiry(response: { expiresIn(): number | undefined }, now: number): number {
  return now + (response.expiresIn() ?? DEFAULT_ACCESS_TOKEN_SECONDS) * 1000;
}

/** The callback URL to hand to openid-client: our configured redirect URI plus the response parameters. */
function callbackUrl(redirectUri: string, requestUrl: URL): URL {
  // openid-client derives the token request's redirect_uri from this URL (query stripped), so it is
  // built from config: a forged Host or X-Forwarded-Host can never change it.
  const url = new URL(redirectUri);
  for (const [name, value] of requestUrl.searchParams) url.searchParams.append(name, value);
  return url;
}

/**
 * The IdP's error for a callback that carries `error` but no usable transaction. Anyone can send
 * such a link, so only our own words are shown: the `error` code if it is one OAuth defines,
 * never `error_description` (with a transaction, the IdP's description may follow).
 */
function idpErrorWithoutTransaction(ctx: FlowContext, params: URLSearchParams): AuthError {
  const iss = params.get('iss');
  if (iss !== null && iss !== ctx.config.okta.issuer) return new AuthError('AUTH_ISSUER_MISMATCH');
  const code = oauthErrorCode(params.get('error'));
  return new AuthError('AUTH_IDP_ERROR', { status: code === 'access_denied' ? 403 : 400, detail: code, reason: `idp_${code}` });
}

// 60 s: the clock skew tolerated elsewhere; an ID token issued later than that comes from the future.
const MAX_IAT_SKEW_SECONDS = 60;

// Connect-phase failures: the token request never left this machine, so its code is still unused.
const NOT_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT']);

/** Whether a failed exchange certainly did not spend the authorization code (so a retry is safe). */
function neverSent(error: AuthError): boolean {
  if (error.code === 'AUTH_DISCOVERY_FAILED') return true;
  if (error.code !== 'AUTH_IDP_UNAVAILABLE') return false;
  const code = errorSummary(error).causeCode;
  return code !== undefined && NOT_SENT.has(code);
}

/** Puts a taken transaction back, so that retrying the callback can still complete this sign-in. */
async function handBack(ctx: FlowContext, tx: LoginTransaction): Promise<void> {
  try {
    await ctx.transactions.putTransaction(tx);
  } catch (err) {
    ctx.logger.warn({ step: 'callback', ...errorSummary(err) }, 'login transaction could not be handed back for a retry');
  }
}

type CodeGrant = Awaited<ReturnType<typeof oidc.authorizationCodeGrant>>;

/**
 * Exchanges the code of `tx`'s callback for tokens and checks the ID token beyond what
 * openid-client checks; a code that never reached the IdP hands the transaction back for a retry.
 * @see OIDC Core §3.1.3.7 (ID token validation)
 */
async function exchangeCode(ctx: FlowContext, url: URL, tx: LoginTransaction): Promise<{ grant: CodeGrant; claims: oidc.IDToken; idToken: string }> {
  let grant: CodeGrant;
  try {
    const configuration = await ctx.client.configuration();
    grant = await oidc.authorizationCodeGrant(configuration, callbackUrl(ctx.config.redirectUri, url), {
      expectedState: tx.state,
      expectedNonce: tx.nonce,
      pkceCodeVerifier: tx.codeVerifier,
      idTokenExpected: true,
      ...(tx.maxAge === undefined ? {} : { maxAge: tx.maxAge }),
    });
  } catch (err) {
    const error = toAuthError(err, 'callback');
    // The code never reached the IdP: the same callback may be sent again (a reload) once it is back.
    if (neverSent(error)) await handBack(ctx, tx);
    throw error;
  }
  const claims = grant.claims();
  if (!claims || !grant.id_token) throw new AuthError('AUTH_ID_TOKEN_INVALID', { reason: 'id_token_missing' });
  // openid-client checks that iat is a number, not that it is in the past (OIDC Core §3.1.3.7 ¶10).
  if (typeof claims.iat !== 'number' || claims.iat > ctx.now() / 1000 + MAX_IAT_SKEW_SECONDS) throw new AuthError('AUTH_ID_TOKEN_INVALID', { reason: 'iat_in_future' });
  return { grant, claims, idToken: grant.id_token };
}

/**
 * The signed-in identity from checked tokens, in a brand-new session (the one this browser had
 * ends first), audited, and the redirect back to `returnTo` carrying the session cookie.
 */
async function startSession(ctx: FlowContext, request: Request, facts: RequestFacts, tx: LoginTransaction, tokens: Awaited<ReturnType<typeof exchangeCode>>): Promise<Response> {
  const { grant, claims, idToken } = tokens;
  const { identity, source: groupsSource } = await completeGroups(identityFromClaims(claims, ctx.config, ctx.rbac), ctx);
  // `…:ifpossible` lets the IdP skip the factor for a user with none enrolled; only a hard 2FA demand is checked here.
  if (demandsMfa(tx.acrValues) && !hasMfa(identity.claims)) throw new AuthError('AUTH_STEP_UP_FAILED', { reason: 'mfa_not_performed' });

  // A brand-new session at every sign-in; the one this browser had (if any) ends first.
  const oldToken = ctx.cookie.read(request);
  if (oldToken) {
    const old = await ctx.sessions.validate(oldToken);
    if (old) await ctx.sessions.revoke(old.id);
  }
  const { token, session } = await ctx.sessions.create({
    user: identity.user,
    roles: identity.roles,
    claims: identity.claims,
    tokens: { idToken, accessToken: grant.access_token, refreshToken: grant.refresh_token ?? null },
    accessTokenExpiresAt: accessTokenExpiry(grant, ctx.now()),
    userAgent: summarizeUserAgent(request),
    ip: clientNetwork(facts.clientAddress),
  });
  const { reason: groupsReason, groupsClaim } = groupsAuditFields(identity.groupsProblem);
  await ctx.audit.emit({
    type: 'signin.succeeded',
    result: 'success',
    ...(groupsReason ? { reason: groupsReason } : groupsSource !== 'claim' ? { reason: groupsSource } : {}),
    ...userFields(identity.user, session.id),
    ...requestFields(request, facts),
    detail: { roles: identity.roles.join(',') || null, stepUp: tx.maxAge !== undefined || tx.acrValues !== undefined, ...(groupsClaim ? { groupsClaim } : {}) },
  });
  if (identity.groupsProblem) ctx.logger.warn({ sub: identity.user.sub, reason: identity.groupsProblem }, `ID token has no usable ${ctx.config.groupsClaim} claim: check the groups claim of the identity provider (or GATEHOUSE_GROUPS_CLAIM)`);
  return new Response(null, {
    status: 302,
    headers: [
      ['location', tx.returnTo],
      ['set-cookie', ctx.cookie.serialize(token)],
      ['cache-control', 'no-store'],
      // The callback URL holds the code; keep it out of Referer headers of the next page's requests.
      ['referrer-policy', 'no-referrer'],
    ],
  });
}

/** Handles `GET /auth/callback?code=&state=&iss=` (or `error=`). */
export async function handleCallback(ctx: FlowContext, request: Request, facts: RequestFacts = {}): Promise<Response> {
  const url = new URL(request.url);
  const params = url.searchParams;
  let tx: LoginTransaction | null = null;
  try {
    if (request.method !== 'GET') throw new AuthError('AUTH_METHOD_NOT_ALLOWED', { detail: 'the callback accepts GET only' });
    const state = params.get('state');
    // Taking deletes: whatever happens next, this state can never be used again (replay).
    tx = state ? await ctx.transactions.takeTransaction(state) : null;
    if (!tx) {
      if (params.has('error')) throw idpErrorWithoutTransaction(ctx, params);
      throw new AuthError(state ? 'AUTH_TRANSACTION_NOT_FOUND' : 'AUTH_STATE_MISMATCH', { reason: state ? 'auth_transaction_not_found' : 'state_missing' });
    }
    if (ctx.now() > tx.expiresAt) throw new AuthError('AUTH_TRANSACTION_EXPIRED');
    if (!(await isBoundBrowser(request, ctx.config, tx.browserBinding))) throw new AuthError('AUTH_BROWSER_MISMATCH');
    const tokens = await exchangeCode(ctx, url, tx);
    return await startSession(ctx, request, facts, tx, tokens);
  } catch (err) {
    const error = err instanceof AuthError ? err : toAuthError(err, 'callback');
    // Errors that did not come through the translation (a store outage, a bug) deserve an error line.
    if (!(err instanceof AuthError)) ctx.logger.error({ step: 'callback', ...errorSummary(err) }, 'sign-in failed: unexpected error');
    else ctx.logger.warn({ step: 'callback', ...errorSummary(error) }, 'sign-in failed');
    await ctx.audit.emit({ type: 'signin.failed', result: 'failure', reason: error.reason, ...requestFields(request, facts) });
    const wrongMethod = error.code === 'AUTH_METHOD_NOT_ALLOWED';
    const headers: Array<[string, string]> = [['referrer-policy', 'no-referrer'], ...(wrongMethod ? [['allow', 'GET'] as [string, string]] : [])];
    return errorResponse(ctx, error, wrongMethod ? null : loginUrl(tx?.returnTo ?? '/'), headers);
  }
}
