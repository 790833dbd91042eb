import { jwtVerify, type JSONWebKeySet } from 'jose';
import { cachedKeySet } from '../keys.ts';
import type { AdapterPayload, ModelHooks, OidcAdapter } from './sqlite-adapter.ts';

/** The fields oidc-provider keeps for an access token (its `AccessToken.IN_PAYLOAD`). */
const STORED_FIELDS = [
  'jti', 'kind', 'clientId', 'accountId', 'aud', 'claims', 'extra', 'grantId', 'gty', 'scope',
  'sessionUid', 'expiresWithSession', 'sid', 'rar', 'x5t#S256', 'jkt',
] as const;

/** An issued JWT access token as oidc-provider emits it (`access_token.issued`). */
export interface IssuedToken {
  jti: string;
  expiration: number;
  [field: string]: unknown;
}

/**
 * Keeps a record of every JWT access token issued, keyed by `jti`.
 *
 * oidc-provider does not store JWT access tokens, so its userinfo, introspection and revocation
 * endpoints cannot find them; Okta's do accept its JWT access tokens. Recording them (and
 * resolving a presented JWT to its record) restores Okta's behaviour without re-implementing
 * those endpoints.
 */
export function recordIssuedToken(adapter: OidcAdapter, token: IssuedToken): Promise<void> {
  const now = Math.floor(Date.now() / 1000);
  const payload: Record<string, unknown> = { iat: now, exp: now + token.expiration };
  for (const field of STORED_FIELDS) {
    if (token[field] !== undefined) payload[field] = token[field];
  }
  return adapter.upsert(token.jti, payload as AdapterPayload, token.expiration);
}

/**
 * Adapter hooks for the AccessToken model: a presented JWT (signature checked against the
 * provider's own keys) resolves to its recorded `jti`; opaque values pass through unchanged.
 */
export function jwtAccessTokenHooks(options: {
  issuer: string;
  publicJwks: () => JSONWebKeySet;
  /** Whether the current request is the userinfo endpoint (see `afterFind`). */
  isUserinfoRequest: () => boolean;
  audience: string;
}): Required<ModelHooks> {
  const keySet = cachedKeySet(options.publicJwks);
  return {
    async resolveId(value) {
      if (value.split('.').length !== 3) return value;
      try {
        const { payload } = await jwtVerify(value, keySet(), { issuer: options.issuer });
        return typeof payload.jti === 'string' ? payload.jti : undefined;
      } catch {
        return undefined;
      }
    },
    afterFind(payload) {
      // Okta's userinfo accepts access tokens for the default audience; oidc-provider refuses
      // tokens that carry any audience, so the audience is hidden for that one endpoint.
      if (options.isUserinfoRequest() && payload['aud'] === options.audience) {
        const { aud: _aud, ...rest } = payload;
        return rest;
      }
      return payload;
    },
  };
}
