/**
 * `POST /auth/logout`: CSRF-checked, then the session is destroyed here first (so a failure at
 * the IdP can never leave it alive), the cookie cleared, and the browser sent to the IdP's
 * end-session endpoint with `id_token_hint`, `post_logout_redirect_uri` and `state`. Without an
 * end-session endpoint, or with the IdP unreachable, the user is signed out here and told so.
 * @see OpenID Connect RP-Initiated Logout 1.0 §2, OWASP CSRF Prevention Cheat Sheet
 */
import * as oidc from 'openid-client';
import { userFields } from '../audit.ts';
import { requestFields, type RequestFacts } from '../request-summary.ts';
import { AuthError, errorSummary } from '../errors.ts';
import { errorResponse, type FlowContext, pageResponse } from './context.ts';
import { isSameOriginRequest } from './csrf.ts';

/** Handles `/auth/logout` for any method: POST signs out, anything else is a 405 page. */
export async function handleLogout(ctx: FlowContext, request: Request, facts: RequestFacts = {}): Promise<Response> {
  if (request.method !== 'POST') {
    // A link or a prefetch cannot sign anyone out; operators still see the attempt.
    const error = new AuthError('AUTH_METHOD_NOT_ALLOWED');
    await ctx.audit.emit({ type: 'signout', result: 'failure', reason: error.reason, ...requestFields(request, facts), detail: { method: request.method.slice(0, 16) } });
    return errorResponse(ctx, error, null, [['allow', 'POST']]);
  }
  if (!isSameOriginRequest(request, ctx.config.appBaseUrl)) {
    const error = new AuthError('AUTH_CSRF');
    ctx.logger.warn({ step: 'logout', ...errorSummary(error) }, 'cross-site sign-out refused');
    await ctx.audit.emit({ type: 'signout', result: 'failure', reason: error.reason, ...requestFields(request, facts) });
    return errorResponse(ctx, error, null);
  }

  const token = ctx.cookie.read(request);
  const session = token ? await ctx.sessions.validate(token) : null;
  let idToken: string | null = null;
  if (session) {
    try {
      idToken = (await ctx.sessions.readTokens(session)).idToken;
    } catch {
      // Unreadable tokens only cost the IdP hint; the local sign-out still happens.
      idToken = null;
    }
    await ctx.sessions.revoke(session.id);
    await ctx.audit.emit({ type: 'signout', result: 'success', ...userFields(session.user, session.id), ...requestFields(request, facts) });
  }
  const clearCookie: [string, string] = ['set-cookie', ctx.cookie.clear()];

  // Nothing to end at the IdP without a session (Okta requires id_token_hint): just go home.
  if (!idToken) {
    return new Response(null, { status: 303, headers: [['location', ctx.config.postLogoutRedirectUri], clearCookie, ['cache-control', 'no-store']] });
  }
  let endSessionUrl: URL | null = null;
  let reachable = true;
  try {
    const configuration = await ctx.client.configuration();
    if (configuration.serverMetadata().end_session_endpoint) {
      endSessionUrl = oidc.buildEndSessionUrl(configuration, {
        id_token_hint: idToken,
        post_logout_redirect_uri: ctx.config.postLogoutRedirectUri,
        // Required by Okta; we do not act on it when the IdP comes back to the home page.
        state: oidc.randomState(),
      });
    }
  } catch (err) {
    reachable = false;
    ctx.logger.warn({ step: 'logout', ...errorSummary(err) }, 'identity provider unreachable at sign-out; signed out locally');
  }
  if (endSessionUrl) {
    return new Response(null, { status: 303, headers: [['location', endSessionUrl.href], clearCookie, ['cache-control', 'no-store'], ['referrer-policy', 'no-referrer']] });
  }
  const idp = ctx.config.okta.kind === 'okta' ? 'Okta' : 'your identity provider';
  const Idp = ctx.config.okta.kind === 'okta' ? 'Okta' : 'Your identity provider';
  return pageResponse(
    ctx,
    {
      code: 'AUTH_SIGNED_OUT_LOCALLY',
      status: 200,
      title: 'You are signed out of Gatehouse',
      message: reachable
        ? `${Idp} does not offer signing out from here (it has no end-session endpoint), so your session there may still be active: the next sign-in may not ask for your password. Close the browser or sign out at ${idp} to end it.`
        : `${Idp} could not be reached, so your session there may still be active. Close the browser or sign out at ${idp} to end it.`,
      retryUrl: null,
    },
    [clearCookie],
  );
}
