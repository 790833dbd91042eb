import Provider, { errors, type KoaContextWithOIDC } from 'oidc-provider';
import { jwtVerify, type JSONWebKeySet } from 'jose';
import { cachedKeySet } from '../keys.ts';
import { clientMetadata, serviceApps } from './clients.ts';
import type { ProviderSetup } from './default-as.ts';
import { notFoundBody } from './errors.ts';
import { ownTokensOnlyFeatures } from './token-ownership.ts';

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
  const { directory, orgUrl } = setup;
  const provider = new Provider(orgUrl, {
    adapter: setup.store.adapterFactory('org'),
    clients: serviceApps(setup.apps()).map((app) =>
      clientMetadata(app, { scope: app.grantedScopes.filter((scope) => MANAGEMENT_SCOPES.includes(scope)).join(' ') }),
    ),
    findAccount: async () => undefined,
    jwks: setup.jwks,
    scopes: MANAGEMENT_SCOPES,
    responseTypes: ['code'],
    pkce: { required: () => true },
    cookies: {
      keys: setup.cookieKeys,
      names: { session: 'okta_emu_org_sid', interaction: 'okta_emu_org_interaction', resume: 'okta_emu_org_resume' },
    },
    routes: {
      authorization: '/oauth2/v1/authorize',
      token: '/oauth2/v1/token',
      jwks: '/oauth2/v1/keys',
      userinfo: '/oauth2/v1/userinfo',
      end_session: '/oauth2/v1/logout',
      revocation: '/oauth2/v1/revoke',
      introspection: '/oauth2/v1/introspect',
      pushed_authorization_request: '/oauth2/v1/par',
      device_authorization: '/oauth2/v1/device/authorize',
      code_verification: '/oauth2/v1/device',
      backchannel_authentication: '/oauth2/v1/bc/authorize',
      registration: '/oauth2/v1/clients',
      challenge: '/oauth2/v1/challenge',
      credential: '/oauth2/v1/credential',
    },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      // Only the client a token was issued to may introspect or revoke it, as at Okta.
      ...ownTokensOnlyFeatures(),
      userinfo: { enabled: false },
      rpInitiatedLogout: { enabled: false },
      pushedAuthorizationRequests: { enabled: false },
      // The Okta SDK sends a DPoP proof with every token request; Okta binds tokens only when
      // the app requires DPoP, which the emulator's service apps do not.
      dPoP: { enabled: false },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => orgUrl,
        getResourceServerInfo: (_ctx: unknown, indicator: string) => {
          if (indicator !== orgUrl) throw new errors.InvalidTarget();
          return {
            scope: MANAGEMENT_SCOPES.join(' '),
            audience: orgUrl,
            accessTokenFormat: 'jwt',
            // 1 h: Okta's lifetime for org authorization server service tokens.
            accessTokenTTL: 3600,
            jwt: { sign: { alg: 'RS256' } },
          };
        },
      },
    },
    interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `/oauth2/v1/interaction/${interaction.uid}` },
    extraTokenClaims: async (_ctx: unknown, token: Record<string, unknown>) => ({
      ver: 1,
      cid: token['clientId'],
      scp: String(token['scope'] ?? '').split(' ').filter(Boolean),
    }),
    formats: {
      customizers: {
        jwt: (_ctx: unknown, _token: unknown, jwt: { payload: Record<string, unknown> }) => {
          delete jwt.payload['scope'];
          delete jwt.payload['client_id'];
        },
      },
    },
    ttl: { ClientCredentials: 3600 },
  });

  provider.use(async function oktaNotFound(ctx: KoaContextWithOIDC, next: () => Promise<void>) {
    await next();
    if (ctx.status === 404 && ctx.body == null) {
      // Setting a body turns Koa's default 404 into a 200: keep the status explicit.
      ctx.status = 404;
      ctx.type = 'application/json';
      ctx.body = notFoundBody(ctx.path);
    }
  });
  return provider;
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
