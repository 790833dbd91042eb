/**
 * `POST /auth/backchannel-logout`: OIDC Back-Channel Logout 1.0 for IdPs that send it (Keycloak,
 * Entra ID, Auth0, the bundled emulator). The `logout_token` is validated as §2.6 says — signed by
 * the issuer (its JWKS from discovery), `iss` the issuer, `aud` our client id, `iat` present and
 * recent, `jti` seen once (claimed in the store, so a replay fails on every instance), the
 * back-channel `events` member, no `nonce`, and a `sid` and/or `sub`. A `sid` ends exactly the
 * session that sign-in created (its `sid` is kept at sign-in); a `sub` alone ends every session of
 * the user. Answers 200 (also when no session matched: the IdP has nothing to retry), 400 otherwise.
 * @see https://openid.net/specs/openid-connect-backchannel-1_0.html §2.4–§2.8
 */
import { createRemoteJWKSet, customFetch, errors as joseErrors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import type { Audit } from '../audit.ts';
import type { GatehouseConfig } from '../config/schema.ts';
import type { OidcClient } from '../oidc/client.ts';
import type { SessionManager } from '../session/manager.ts';
import type { LeaseStore } from '../types.ts';
import type { Lifecycle } from './effects.ts';
import { json, readBody } from './http.ts';

/** What the endpoint is built from. */
export interface BackchannelLogoutDeps {
  config: GatehouseConfig;
  client: OidcClient;
  lifecycle: Lifecycle;
  sessions: SessionManager;
  /** Where each logout token's `jti` is claimed once, on every instance. */
  leases: LeaseStore;
  audit: Audit;
}

const BACKCHANNEL_EVENT = 'http://schemas.openid.net/event/backchannel-logout';
// 16 KiB: a form with one JWT.
const MAX_BODY_BYTES = 16 * 1024;
// 5 min: a logout token is sent at once; an older one is a replay or a stuck queue.
const MAX_AGE_SECONDS = 300;
// 60 s of clock skew, as for ID tokens.
const CLOCK_TOLERANCE_SECONDS = 60;
// 1,000 sessions of the user searched for the `sid`.
const MAX_SESSIONS = 1000;

/** The endpoint's URL, to register as the client's `backchannel_logout_uri`. */
export function backchannelLogoutUri(config: GatehouseConfig): string {
  return `${config.appBaseUrl}/auth/backchannel-logout`;
}

class LogoutTokenError extends Error {
  constructor(readonly reason: string) {
    super(reason);
  }
}

/** Creates the handler of `POST /auth/backchannel-logout`. */
export function createBackchannelLogoutHandler(deps: BackchannelLogoutDeps): (request: Request) => Promise<Response> {
  const { config, client, lifecycle, sessions, leases, audit } = deps;
  let keys: JWTVerifyGetKey | undefined;
  const keySet = async () => {
    if (keys) return keys;
    const jwksUri = (await client.configuration()).serverMetadata().jwks_uri;
    if (!jwksUri) throw new LogoutTokenError('issuer_has_no_jwks_uri');
    keys = createRemoteJWKSet(new URL(jwksUri), { timeoutDuration: 10_000, cooldownDuration: 30_000, [customFetch]: client.fetch });
    return keys;
  };

  const fail = async (reason: string, status = 400) => {
    await audit.emit({ type: 'lifecycle.event', result: 'failure', reason, detail: { source: 'backchannel_logout' } });
    return json(status, { error: 'invalid_request', error_description: 'The logout_token is not valid.' }, status === 405 ? { allow: 'POST' } : {});
  };

  async function verify(token: string): Promise<{ sub: string | null; sid: string | null; jti: string; iat: number }> {
    let payload;
    let typ: string | undefined;
    try {
      ({ payload, protectedHeader: { typ } } = await jwtVerify(token, await keySet(), {
        issuer: config.okta.issuer,
        audience: config.okta.clientId,
        algorithms: ['RS256', 'ES256'],
        requiredClaims: ['iat', 'jti'],
        maxTokenAge: MAX_AGE_SECONDS,
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
      }));
    } catch (err) {
      if (err instanceof LogoutTokenError) throw err;
      throw new LogoutTokenError(err instanceof joseErrors.JOSEError ? err.code.toLowerCase() : 'logout_token_unverifiable');
    }
    // §2.4: `typ` logout+jwt is recommended; an ID token or access token is refused outright.
    if (typ !== undefined && !['logout+jwt', 'jwt'].includes(typ.toLowerCase())) throw new LogoutTokenError('logout_token_typ');
    const events = payload['events'];
    const event = events && typeof events === 'object' ? (events as Record<string, unknown>)[BACKCHANNEL_EVENT] : undefined;
    if (!event || typeof event !== 'object' || Array.isArray(event)) throw new LogoutTokenError('logout_token_events');
    if ('nonce' in payload) throw new LogoutTokenError('logout_token_nonce');
    const sub = typeof payload.sub === 'string' && payload.sub ? payload.sub : null;
    const sid = typeof payload['sid'] === 'string' && payload['sid'] ? payload['sid'] : null;
    if (!sub && !sid) throw new LogoutTokenError('logout_token_no_subject');
    return { sub, sid, jti: String(payload.jti), iat: payload.iat! };
  }

  return async function backchannelLogout(request) {
    if (request.method !== 'POST') return fail('bcl_method', 405);
    const text = await readBody(request, MAX_BODY_BYTES);
    const token = text === null ? null : new URLSearchParams(text).get('logout_token');
    if (!token) return fail('logout_token_missing');
    let claims: Awaited<ReturnType<typeof verify>>;
    try {
      claims = await verify(token);
    } catch (err) {
      if (err instanceof LogoutTokenError) return fail(err.reason);
      // Discovery or the JWKS is unreachable: the IdP's own outage, not a bad token.
      await audit.emit({ type: 'lifecycle.event', result: 'failure', reason: 'bcl_idp_unavailable', detail: { source: 'backchannel_logout' } });
      return json(503, { error: 'temporarily_unavailable', error_description: 'The identity provider’s keys could not be fetched.' });
    }
    // §2.6 step 9: the jti is kept at least as long as the token is acceptable.
    const ttl = Math.max(1, claims.iat + MAX_AGE_SECONDS + CLOCK_TOLERANCE_SECONDS - Math.floor(Date.now() / 1000)) * 1000;
    if (!(await leases.acquireLease(`bcl-jti:${claims.jti}`, crypto.randomUUID(), ttl))) return fail('logout_token_replayed');

    if (!claims.sid) {
      await lifecycle.endUserSessions(claims.sub!, 'idp_logout', 'backchannel_logout', { by: 'sub' });
      return json(200, { status: 'ok' });
    }
    const candidates = claims.sub ? await sessions.list({ sub: claims.sub, limit: MAX_SESSIONS }) : await sessions.list({ limit: MAX_SESSIONS });
    const matching = candidates.filter((session) => session.claims['sid'] === claims.sid && (!claims.sub || session.user.sub === claims.sub));
    for (const session of matching) await sessions.revoke(session.id, { reason: 'idp_logout' });
    await audit.emit({
      type: 'lifecycle.event',
      result: 'success',
      ...(claims.sub ? { sub: claims.sub } : {}),
      detail: { source: 'backchannel_logout', action: 'sessions_ended', reason: 'idp_logout', by: 'sid', sessions: matching.length },
    });
    return json(200, { status: 'ok' });
  };
}
