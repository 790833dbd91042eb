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
 * `session.state`: ends the session, announces `user.session.end`, redirects with `state`.
 *
 * @see https://openid.net/specs/openid-connect-rpinitiated-1_0.html#RPLogout
 */
export async function finishLogout(
  ctx: KoaContextWithOIDC,
  options: { directory: Directory; sessionCookie: { name: string; options: Record<string, unknown> } },
): Promise<void> {
  const session = ctx.oidc.session;
  if (!session) return;
  const state = session.state ?? {};
  const accountId = session.accountId;
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
