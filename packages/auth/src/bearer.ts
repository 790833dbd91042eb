/**
 * Bearer access tokens for `/api/*`: JWT access tokens verified locally with `jose` against the
 * issuer's JWKS (cached; refetched on an unknown `kid` at most every 30 s). Checks: signature
 * (RS256/ES256 only), `iss`, `aud`, `exp`/`iat` (60 s tolerance), the client (our client) and the
 * scopes. The client is Okta's `cid`, else RFC 9068's `client_id`, else `azp` (Keycloak); the
 * scopes are Okta's `scp` array, else RFC 9068's space-separated `scope`.
 * @see RFC 9068 (JWT access tokens), RFC 6750 §3 (WWW-Authenticate), Okta "Validate access tokens"
 */
import { createRemoteJWKSet, customFetch, type JWTPayload, jwtVerify, type JWTVerifyOptions, type RemoteJWKSet } from 'jose';
import type { GatehouseConfig } from './config/schema.ts';
import { AuthError, toAuthError } from './errors.ts';
import { CLOCK_TOLERANCE_SECONDS, ID_TOKEN_ALGORITHMS, type OidcClient } from './oidc/client.ts';
import { renderErrorJson } from './oidc/error-page.ts';

/** Claims of a verified access token, with the client and scopes in Okta's shape whatever the IdP. */
export interface AccessTokenClaims extends JWTPayload {
  sub: string;
  /** Client id the token was issued to (`cid`, `client_id` or `azp`). */
  cid: string;
  /** Granted scopes (`scp`, or `scope` split on spaces). */
  scp: string[];
  /** Okta user id (Okta puts the login in `sub`). */
  uid?: string;
  groups?: unknown;
}

/** Which access tokens {@link createBearerVerifier} accepts beyond issuer, audience and signature. */
export interface BearerVerifierOptions {
  /** Client ids whose tokens this app accepts; default: only `config.okta.clientId`. */
  clientIds?: string[];
  /** Scopes every accepted token must carry; default `['openid']` (tokens minted for our users). */
  requiredScopes?: string[];
}

/** Verifies access tokens; throws `AuthError('AUTH_ACCESS_TOKEN_INVALID')` with a reason on failure. */
export interface BearerVerifier {
  verifyAccessToken(token: string): Promise<AccessTokenClaims>;
}

// 30 s between JWKS refetches on an unknown kid: a flood of forged kids cannot hammer the IdP.
const JWKS_COOLDOWN_MS = 30_000;
// 10 min JWKS cache: key rotation shows up quickly without a fetch per request.
const JWKS_MAX_AGE_MS = 600_000;

/** Creates the verifier; the JWKS URL comes from discovery, fetched lazily on the first token. */
export function createBearerVerifier(config: GatehouseConfig, client: OidcClient, options: BearerVerifierOptions = {}): BearerVerifier {
  const clientIds = options.clientIds ?? [config.okta.clientId];
  const requiredScopes = options.requiredScopes ?? ['openid'];
  const verifyOptions: JWTVerifyOptions = {
    issuer: config.okta.issuer,
    audience: config.okta.audience,
    algorithms: [...ID_TOKEN_ALGORITHMS],
    clockTolerance: CLOCK_TOLERANCE_SECONDS,
    requiredClaims: ['exp', 'iat', 'sub'],
  };
  let jwks: RemoteJWKSet | null = null;

  async function keySet(): Promise<RemoteJWKSet> {
    if (jwks) return jwks;
    const jwksUri = (await client.configuration()).serverMetadata().jwks_uri;
    if (!jwksUri) throw new AuthError('AUTH_DISCOVERY_FAILED', { reason: 'jwks_uri_missing' });
    jwks = createRemoteJWKSet(new URL(jwksUri), {
      cooldownDuration: JWKS_COOLDOWN_MS,
      cacheMaxAge: JWKS_MAX_AGE_MS,
      [customFetch]: (url, init) => client.fetch(url, init),
    });
    return jwks;
  }

  return {
    async verifyAccessToken(token) {
      // A JWS compact serialization is three base64url parts; anything else is not worth a JWKS fetch.
      if (typeof token !== 'string' || !/^[\w-]+\.[\w-]+\.[\w-]+$/.test(token)) {
        throw new AuthError('AUTH_ACCESS_TOKEN_INVALID', { reason: 'malformed' });
      }
      const keys = await keySet();
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(token, keys, verifyOptions));
      } catch (err) {
        // An unreachable JWKS becomes AUTH_IDP_UNAVAILABLE (the IdP's problem, not the caller's token).
        throw toAuthError(err, 'bearer');
      }
      // Okta's `cid` when present (then nothing else is consulted), else the RFC 9068 / Keycloak names.
      const cid = 'cid' in payload ? payload['cid'] : payload['client_id'] ?? payload['azp'];
      if (cid === undefined) throw new AuthError('AUTH_ACCESS_TOKEN_INVALID', { reason: 'client_missing' });
      if (typeof cid !== 'string' || !clientIds.includes(cid)) {
        throw new AuthError('AUTH_ACCESS_TOKEN_INVALID', { reason: 'client_not_allowed' });
      }
      const scp = 'scp' in payload ? payload['scp'] : typeof payload['scope'] === 'string' ? payload['scope'].split(' ').filter(Boolean) : undefined;
      if (!Array.isArray(scp) || !scp.every((scope): scope is string => typeof scope === 'string')) {
        throw new AuthError('AUTH_ACCESS_TOKEN_INVALID', { reason: 'scp_missing' });
      }
      if (!requiredScopes.every((scope) => scp.includes(scope))) {
        throw new AuthError('AUTH_ACCESS_TOKEN_INVALID', { reason: 'insufficient_scope' });
      }
      return { ...payload, cid, scp } as AccessTokenClaims;
    },
  };
}

/** The `401` for a missing or bad bearer token, with the RFC 6750 challenge. */
export function bearerChallenge(error: AuthError): Response {
  const invalid = error.code === 'AUTH_ACCESS_TOKEN_INVALID';
  const status = invalid ? 401 : error.status;
  const challenge = invalid ? 'Bearer error="invalid_token", error_description="The access token is invalid or expired"' : 'Bearer';
  return renderErrorJson({ code: error.code, status, message: error.message }, { 'www-authenticate': challenge });
}
