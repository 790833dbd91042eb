import type { OidcApp } from '../directory/types.ts';

/** OIDC client metadata (OpenID Connect Dynamic Client Registration 1.0 §2) for oidc-provider. */
export type ClientMetadata = Record<string, unknown> & { client_id: string };

/**
 * A directory app as oidc-provider client metadata.
 *
 * @see https://openid.net/specs/openid-connect-registration-1_0.html#ClientMetadata
 */
export function clientMetadata(app: OidcApp, options: { scope?: string } = {}): ClientMetadata {
  const interactive = app.grantTypes.includes('authorization_code');
  return {
    client_id: app.clientId,
    client_name: app.name,
    ...(app.clientSecret ? { client_secret: app.clientSecret } : {}),
    redirect_uris: app.redirectUris,
    post_logout_redirect_uris: app.postLogoutRedirectUris,
    grant_types: app.grantTypes,
    response_types: interactive ? ['code'] : [],
    token_endpoint_auth_method: app.tokenEndpointAuthMethod,
    ...(app.jwks ? { jwks: app.jwks } : {}),
    // With a back-channel endpoint, ID tokens carry `sid` so the app can end exactly that session.
    ...(app.backchannelLogoutUri ? { backchannel_logout_uri: app.backchannelLogoutUri, backchannel_logout_session_required: true } : {}),
    ...(options.scope === undefined ? {} : { scope: options.scope }),
  };
}

/** Apps that sign users in at the default authorization server. */
export function userFacingApps(apps: OidcApp[]): OidcApp[] {
  return apps.filter((app) => app.grantTypes.includes('authorization_code'));
}

/** Service apps that get Management API tokens from the org authorization server. */
export function serviceApps(apps: OidcApp[]): OidcApp[] {
  return apps.filter((app) => app.grantTypes.includes('client_credentials'));
}
