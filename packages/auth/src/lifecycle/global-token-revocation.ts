/**
 * `POST /auth/global-token-revocation`: Okta's Universal Logout (Global Token Revocation). The
 * request is authenticated by a JWT the Okta org signs (`Authorization: Bearer`), verified against
 * the org's JWKS (`<org>/oauth2/v1/keys`): `iss` the org, `aud` this endpoint, a short `exp`, and a
 * `jti` seen once (claimed in the store, so a replay fails on every instance). The body names the
 * user (`sub_id`, format `email` or `iss_sub`); every session of theirs ends and their refresh
 * tokens are revoked at the IdP. Answers as the draft says: 204 done, 404 unknown subject, 400 bad
 * request, 401 bad authentication.
 * @see https://datatracker.ietf.org/doc/draft-parecki-oauth-global-token-revocation/ §2–§3
 * @see https://developer.okta.com/docs/guides/oin-universal-logout-overview/
 */
import { createRemoteJWKSet, customFetch, errors as joseErrors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { z } from 'zod';
import type { Audit } from '../audit.ts';
import type { GatehouseConfig } from '../config/schema.ts';
import type { SessionManager } from '../session/manager.ts';
import type { LeaseStore } from '../types.ts';
import type { Lifecycle } from './effects.ts';
import { empty, json, readBody } from './http.ts';

/** What the endpoint is built from. */
export interface GlobalTokenRevocationDeps {
  config: GatehouseConfig;
  lifecycle: Lifecycle;
  sessions: SessionManager;
  /** Where each request's `jti` is claimed once, on every instance. */
  leases: LeaseStore;
  audit: Audit;
  /** The fetch JWKS requests go through (the auth core's). */
  fetch?: typeof fetch;
  /** Replaces the org JWKS (tests of the HTTP boundary only). */
  keys?: JWTVerifyGetKey;
}

// 16 KiB: the body is one small JSON object.
const MAX_BODY_BYTES = 16 * 1024;
// 5 min: the longest a logout request may be valid (iat to exp); Okta's are far shorter.
const MAX_LIFETIME_SECONDS = 300;
// 60 s: the clock skew accepted between Okta and us, as for ID tokens.
const CLOCK_TOLERANCE_SECONDS = 60;
const BEARER = /^Bearer[ ]+([A-Za-z0-9_.-]+)[ ]*$/i;

const subId = z.discriminatedUnion('format', [
  z.object({ format: z.literal('email'), email: z.string().min(3).max(320) }),
  z.object({ format: z.literal('iss_sub'), iss: z.string().min(1).max(2000), sub: z.string().min(1).max(200) }),
]);
const bodySchema = z.looseObject({ sub_id: subId });

/** The endpoint's URL as the `aud` Okta signs for. */
export function globalTokenRevocationUri(config: GatehouseConfig): string {
  return `${config.appBaseUrl}/auth/global-token-revocation`;
}

/** Creates the handler of `POST /auth/global-token-revocation`. */
export function createGlobalTokenRevocationHandler(deps: GlobalTokenRevocationDeps): (request: Request) => Promise<Response> {
  const { config, lifecycle, sessions, leases, audit } = deps;
  const audience = globalTokenRevocationUri(config);
  const orgUrl = config.okta.orgUrl;
  // Built on first use: the org may be unreachable at start-up.
  let keys: JWTVerifyGetKey | undefined = deps.keys;
  const keySet = () =>
    (keys ??= createRemoteJWKSet(new URL('/oauth2/v1/keys', orgUrl), {
      // 10 s, as every IdP request; a new kid refetches at most every 30 s.
      timeoutDuration: 10_000,
      cooldownDuration: 30_000,
      ...(deps.fetch ? { [customFetch]: deps.fetch } : {}),
    }));

  const fail = async (status: 400 | 401 | 404 | 405, reason: string, message: string, extra: Record<string, string> = {}) => {
    await audit.emit({ type: 'lifecycle.event', result: 'failure', reason, detail: { source: 'universal_logout' } });
    const headers: Record<string, string> = status === 401 ? { 'www-authenticate': 'Bearer error="invalid_token"' } : status === 405 ? { allow: 'POST' } : {};
    return json(status, { error: status === 404 ? 'not_found' : status === 401 ? 'invalid_token' : 'invalid_request', error_description: message, ...extra }, headers);
  };

  return async function globalTokenRevocation(request) {
    if (request.method !== 'POST') return fail(405, 'gtr_method', 'Use POST.');
    const token = BEARER.exec(request.headers.get('authorization') ?? '')?.[1];
    if (!token) return fail(401, 'gtr_unauthenticated', 'A Bearer JWT signed by the Okta org is required.');

    let jti: string;
    let exp: number;
    try {
      const { payload } = await jwtVerify(token, keySet(), {
        issuer: orgUrl,
        audience,
        algorithms: ['RS256', 'ES256'],
        requiredClaims: ['exp', 'iat', 'jti'],
        maxTokenAge: MAX_LIFETIME_SECONDS,
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
      });
      if (payload.exp! - payload.iat! > MAX_LIFETIME_SECONDS) throw new joseErrors.JWTClaimValidationFailed('lifetime too long', payload, 'exp', 'check_failed');
      jti = String(payload.jti);
      exp = payload.exp!;
    } catch (err) {
      const reason = err instanceof joseErrors.JOSEError ? err.code : 'gtr_jwt_invalid';
      // The IdP's keys could not be fetched: honest, and Okta may retry.
      if (err instanceof joseErrors.JWKSTimeout || (err instanceof Error && err.name === 'TypeError')) {
        await audit.emit({ type: 'lifecycle.event', result: 'failure', reason: 'gtr_jwks_unavailable', detail: { source: 'universal_logout' } });
        return json(503, { error: 'temporarily_unavailable', error_description: 'The Okta org’s keys could not be fetched.' });
      }
      return fail(401, 'gtr_jwt_invalid', 'The Bearer JWT is not a valid logout request from the Okta org.', { reason: reason.toLowerCase() });
    }
    // The jti is claimed until the token expires (plus skew): a replay anywhere fails.
    const ttl = Math.max(1, exp + CLOCK_TOLERANCE_SECONDS - Math.floor(Date.now() / 1000)) * 1000;
    if (!(await leases.acquireLease(`gtr-jti:${jti}`, crypto.randomUUID(), ttl))) return fail(401, 'gtr_jti_replayed', 'This logout request was already used.');

    const text = await readBody(request, MAX_BODY_BYTES);
    let parsed: unknown = null;
    try {
      parsed = text === null ? null : JSON.parse(text);
    } catch {
      parsed = null;
    }
    const body = bodySchema.safeParse(parsed);
    if (!body.success) return fail(400, 'gtr_body_malformed', 'The body must be {"sub_id": {"format": "email", "email": …}} or {"format": "iss_sub", "iss": …, "sub": …}.');

    const subject = body.data.sub_id;
    let sub: string | null;
    if (subject.format === 'iss_sub') {
      // Okta names its users with the org as issuer; the authorization server's issuer is accepted too.
      sub = subject.iss === orgUrl || subject.iss === config.okta.issuer ? subject.sub : null;
    } else {
      sub = await subByEmail(sessions, subject.email);
    }
    const open = sub === null ? 0 : (await sessions.list({ sub, limit: 1 })).length;
    if (sub === null || open === 0) return fail(404, 'gtr_subject_unknown', 'No user of this app matches the subject.');
    await lifecycle.endUserSessions(sub, 'idp_logout', 'universal_logout', { format: subject.format }, { revokeRefreshTokens: true });
    return empty(204);
  };
}

// 20 pages of 500: enough for the sessions of an internal tool; the search stops there.
const EMAIL_SCAN_PAGES = 20;
const EMAIL_SCAN_PAGE = 500;

/** The `sub` of the open session whose user has `email` (case-insensitive), or `null`. */
async function subByEmail(sessions: SessionManager, email: string): Promise<string | null> {
  const wanted = email.toLowerCase();
  for (let page = 0; page < EMAIL_SCAN_PAGES; page++) {
    const batch = await sessions.list({ limit: EMAIL_SCAN_PAGE, offset: page * EMAIL_SCAN_PAGE });
    const found = batch.find((session) => session.user.email?.toLowerCase() === wanted || (typeof session.claims.preferred_username === 'string' && session.claims.preferred_username.toLowerCase() === wanted));
    if (found) return found.user.sub;
    if (batch.length < EMAIL_SCAN_PAGE) return null;
  }
  return null;
}
