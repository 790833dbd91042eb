import type Provider from 'oidc-provider';
import { jwtVerify, type JSONWebKeySet } from 'jose';
import { cachedKeySet } from '../keys.ts';
import { clientMetadata, serviceApps } from './clients.ts';
import { createOktaProvider, oktaTokenClaims, type ProviderSetup } from './base.ts';

/** Okta Management API scopes the emulator's org authorization server grants. */
export const MANAGEMENT_SCOPES = ['okta.users.read', 'okta.users.manage', 'okta.groups.read', 'okta.groups.manage', 'okta.eventHooks.read', 'okta.eventHooks.manage', 'okta.apps.read', 'okta.apps.manage', 'okta.authorizationServers.read', 'okta.authorizationServers.manage'];

/** What a verified org access token carries for the Management API's per-endpoint checks. */
export interface OrgAccessToken {
  clientId: string;
  scopes: string[];
}

/**
 * The org authorization server: issuer `<org>`, endpoints `/oauth2/v1/*`, used here only for
 * Management API service tokens — client credentials with `private_key_jwt`, scopes limited to
 * what the directory granted the service app, JWT access tokens for the org URL.
 *
 * @see https://developer.okta.com/docs/guides/implement-oauth-for-okta-serviceapp/main/
 */
export function createOrgProvider(setup: ProviderSetup): Provider {
  const { orgUrl } = setup;
  return createOktaProvider(setup, {
    issuer: orgUrl,
    routePrefix: '/oauth2/v1',
    // 1 h: Okta's lifetime for org authorization server service tokens.
    resource: { audience: orgUrl, scope: () => MANAGEMENT_SCOPES.join(' '), accessTokenTTL: () => 3600 },
    cookies: { names: { session: 'okta_emu_org_sid', interaction: 'okta_emu_org_interaction', resume: 'okta_emu_org_resume' } },
    notFoundPath: (path) => path,
  }, {
    adapter: setup.store.adapterFactory('org'),
    clients: serviceApps(setup.apps()).map((app) =>
      clientMetadata(app, { scope: app.grantedScopes.filter((scope) => MANAGEMENT_SCOPES.includes(scope)).join(' ') }),
    ),
    findAccount: async () => undefined,
    scopes: MANAGEMENT_SCOPES,
    pkce: { required: () => true },
    features: {
      clientCredentials: { enabled: true },
      userinfo: { enabled: false },
      rpInitiatedLogout: { enabled: false },
      pushedAuthorizationRequests: { enabled: false },
      // The Okta SDK sends a DPoP proof with every token request; Okta binds tokens only when
      // the app requires DPoP, which the emulator's service apps do not.
      dPoP: { enabled: false },
    },
    interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `/oauth2/v1/interaction/${interaction.uid}` },
    extraTokenClaims: async (_ctx: unknown, token: Record<string, unknown>) => oktaTokenClaims(token),
    ttl: { ClientCredentials: 3600 },
  });
}

/**
 * Builds the check the Management API uses for `Authorization: Bearer <token>`: a JWT access
 * token from the org authorization server, signed by one of its keys, for the org audience, from
 * a service app that still exists. Returns null for every kind of bad token.
 */
export function orgAccessTokenVerifier(options: {
  orgUrl: string;
  publicJwks: () => JSONWebKeySet;
  appExists: (clientId: string) => boolean;
}): (token: string) => Promise<OrgAccessToken | null> {
  const keySet = cachedKeySet(options.publicJwks);
  return async function verifyOrgAccessToken(token) {
    try {
      const { payload } = await jwtVerify(token, keySet(), {
        issuer: options.orgUrl,
        audience: options.orgUrl,
        typ: 'at+jwt',
        algorithms: ['RS256'],
      });
      const clientId = payload['cid'];
      const scopes = payload['scp'];
      if (typeof clientId !== 'string' || !Array.isArray(scopes) || !options.appExists(clientId)) return null;
      return { clientId, scopes: scopes.filter((scope): scope is string => typeof scope === 'string') };
    } catch {
      return null;
    }
  };
}
