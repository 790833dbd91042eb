/**
 * What both of the emulator's authorization servers share, as Okta shapes them: the Okta endpoint
 * names under one prefix, the signing keys and cookie keys, JWT access tokens for one audience with
 * Okta's claims (`ver`, `cid`, `scp`, no `scope` / `client_id`), introspection and revocation for
 * the token's own client only, and Okta's JSON body for an unknown path. `default-as.ts` (the custom
 * authorization server `default`) and `org-as.ts` (the org authorization server) add what differs.
 */
import type { JSONWebKeySet } from 'jose';
import Provider, { errors, type KoaContextWithOIDC } from 'oidc-provider';
import type { Directory } from '../directory/directory.ts';
import type { OidcApp } from '../directory/types.ts';
import { notFoundBody } from './errors.ts';
import type { OidcStore } from './sqlite-adapter.ts';
import { ownTokensOnlyFeatures } from './token-ownership.ts';

/** oidc-provider's configuration object (typed loosely by `oidc-provider.d.ts`). */
export type ProviderConfiguration = Record<string, unknown> & { features?: Record<string, unknown>; formats?: Record<string, unknown> };

/** What both authorization servers are built from. */
export interface ProviderSetup {
  directory: Directory;
  store: OidcStore;
  /** Org URL, e.g. `http://localhost:9000`. */
  orgUrl: string;
  /** The directory's OIDC apps, with any redirect URIs added at run time (see Emulator.addRedirectUris). */
  apps: () => OidcApp[];
  /** Private signing JWKS, newest key first. */
  jwks: { keys: Array<Record<string, unknown>> };
  /** Public JWKS, for resolving presented JWT access tokens. */
  publicJwks: () => JSONWebKeySet;
  cookieKeys: string[];
}

/** How one authorization server differs from the other, beyond its own `configuration`. */
export interface OktaServerShape {
  issuer: string;
  /** Endpoint prefix as the provider sees paths: `/v1` (custom server, mounted under its issuer path) or `/oauth2/v1`. */
  routePrefix: string;
  /** The one audience its JWT access tokens are for, the scopes they may carry, their lifetime (s), read at each token. */
  resource: { audience: string; scope: () => string; accessTokenTTL: () => number; useGrantedResource?: boolean };
  /** Cookie names (distinct per server); options apply to both long- and short-lived cookies when given. */
  cookies: { names: Record<'session' | 'interaction' | 'resume', string>; options?: Record<string, unknown> };
  /** The path a 404 body names, from the provider's own path. */
  notFoundPath: (path: string) => string;
  /** Changes to a JWT access token after Okta's common ones (`scope`, `client_id` dropped). */
  customizeJwt?: (token: Record<string, unknown>, jwt: { header?: Record<string, unknown>; payload: Record<string, unknown> }) => void;
}

const ENDPOINTS = {
  authorization: '/authorize',
  token: '/token',
  jwks: '/keys',
  userinfo: '/userinfo',
  end_session: '/logout',
  revocation: '/revoke',
  introspection: '/introspect',
  pushed_authorization_request: '/par',
  device_authorization: '/device/authorize',
  code_verification: '/device',
  backchannel_authentication: '/bc/authorize',
  registration: '/clients',
  challenge: '/challenge',
  credential: '/credential',
} as const;

/** Okta's claims of an access token: `ver`, the client as `cid`, the scopes as the `scp` array. */
export function oktaTokenClaims(token: Record<string, unknown>): { ver: number; cid: unknown; scp: string[] } {
  return { ver: 1, cid: token['clientId'], scp: String(token['scope'] ?? '').split(' ').filter(Boolean) };
}

/**
 * One authorization server: `configuration` (what is the server's own) over the shared Okta shape.
 * Its `features` and `formats` are merged with the shared ones, the rest replaces.
 */
export function createOktaProvider(setup: ProviderSetup, shape: OktaServerShape, configuration: ProviderConfiguration): Provider {
  const { audience, scope, accessTokenTTL, useGrantedResource } = shape.resource;
  const cookieOptions = shape.cookies.options ? { long: shape.cookies.options, short: shape.cookies.options } : {};
  const provider = new Provider(shape.issuer, {
    jwks: setup.jwks,
    responseTypes: ['code'],
    cookies: { keys: setup.cookieKeys, names: shape.cookies.names, ...cookieOptions },
    routes: Object.fromEntries(Object.entries(ENDPOINTS).map(([name, path]) => [name, `${shape.routePrefix}${path}`])),
    ...configuration,
    features: {
      devInteractions: { enabled: false },
      // Only the client a token was issued to may introspect or revoke it, as at Okta.
      ...ownTokensOnlyFeatures(),
      resourceIndicators: {
        enabled: true,
        defaultResource: () => audience,
        ...(useGrantedResource ? { useGrantedResource: () => true } : {}),
        getResourceServerInfo: (_ctx: unknown, indicator: string) => {
          if (indicator !== audience) throw new errors.InvalidTarget();
          return { scope: scope(), audience, accessTokenFormat: 'jwt', accessTokenTTL: accessTokenTTL(), jwt: { sign: { alg: 'RS256' } } };
        },
      },
      ...configuration.features,
    },
    formats: {
      ...configuration.formats,
      customizers: {
        jwt: (_ctx: unknown, token: Record<string, unknown>, jwt: { header?: Record<string, unknown>; payload: Record<string, unknown> }) => {
          shape.customizeJwt?.(token, jwt);
          delete jwt.payload['scope'];
          delete jwt.payload['client_id'];
        },
      },
    },
  });

  provider.use(async function oktaNotFound(ctx: KoaContextWithOIDC, next: () => Promise<void>) {
    await next();
    if (ctx.status === 404 && ctx.body == null) {
      // Setting a body turns Koa's default 404 into a 200: keep the status explicit.
      ctx.status = 404;
      ctx.type = 'application/json';
      ctx.body = notFoundBody(shape.notFoundPath(ctx.path));
    }
  });
  return provider;
}
