import type { KoaContextWithOIDC } from 'oidc-provider';
import type { Directory } from '../directory/directory.ts';
import { sessionEvent } from '../directory/events.ts';
import { oktaErrorBody } from './errors.ts';

/**
 * Okta's `/v1/logout` refuses a request without `id_token_hint` with a 400; oidc-provider would
 * accept it and show a confirmation page. Returns true when the request was answered here.
 *
 * @see https://developer.okta.com/docs/api/openapi/okta-oauth/oauth/tag/OrgAS/#tag/OrgAS/operation/logout
 */
export function refuseLogoutWithoutHint(ctx: KoaContextWithOIDC): boolean {
  const hint = ctx.query['id_token_hint'];
  if (typeof hint === 'string' && hint.length > 0) return false;
  ctx.status = 400;
  ctx.type = 'application/json';
  ctx.body = oktaErrorBody('invalid_request', "The 'id_token_hint' parameter is required.");
  return true;
}

/**
 * oidc-provider's RP-Initiated Logout asks the user to confirm (or auto-posts a form); Okta ends
 * the session at once and redirects. Called after oidc-provider validated the request
 * (`id_token_hint`, registered `post_logout_redirect_uri`) and stored what it validated in
 * `session.state`: sends OIDC Back-Channel Logout to every app of the session that registered an
 * endpoint (as oidc-provider's own confirmation step would), ends the session, announces
 * `user.session.end`, redirects with `state`.
 *
 * @see https://openid.net/specs/openid-connect-backchannel-1_0.html#BCRequest
 * @see https://openid.net/specs/openid-connect-rpinitiated-1_0.html#RPLogout
 */
export async function finishLogout(
  ctx: KoaContextWithOIDC,
  options: { directory: Directory; sessionCookie: { name: string; options: Record<string, unknown> }; onBackchannelError?: (clientId: string, error: Error) => void },
): Promise<void> {
  const session = ctx.oidc.session;
  if (!session) return;
  const state = session.state ?? {};
  const accountId = session.accountId;
  if (accountId) await sendBackchannelLogouts(ctx, accountId, options.onBackchannelError);
  if (accountId) {
    const user = options.directory.getUser(accountId);
    if (user) options.directory.announce(sessionEvent('user.session.end', user));
  }
  await session.destroy();
  ctx.cookies.set(options.sessionCookie.name, null, options.sessionCookie.options);

  const postLogout = typeof state['postLogoutRedirectUri'] === 'string' ? state['postLogoutRedirectUri'] : undefined;
  let target: string;
  if (postLogout) {
    const url = new URL(postLogout);
    if (typeof state['state'] === 'string') url.searchParams.set('state', state['state']);
    target = url.href;
  } else {
    target = ctx.oidc.urlFor('end_session_success');
  }
  ctx.status = 302;
  ctx.redirect(target);
}

/** One logout token per app of the session with a `backchannel_logout_uri`; failures are reported, never thrown. */
async function sendBackchannelLogouts(ctx: KoaContextWithOIDC, accountId: string, onError?: (clientId: string, error: Error) => void): Promise<void> {
  const session = ctx.oidc.session!;
  const clientIds = Object.keys(session.authorizations ?? {});
  await Promise.all(
    clientIds.map(async (clientId) => {
      const client = await ctx.oidc.provider.Client.find(clientId);
      if (!client?.backchannelLogoutUri) return;
      await client.backchannelLogout(accountId, session.sidFor(clientId) ?? '').catch((error: Error) => onError?.(clientId, error));
    }),
  );
}
