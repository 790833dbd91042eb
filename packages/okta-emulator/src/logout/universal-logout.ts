/**
 * The sending side of Okta's Universal Logout (Global Token Revocation): when the admin clears a
 * user's sessions, each app with a registered revocation endpoint gets a `POST` whose
 * `Authorization: Bearer` JWT is signed with the org's key (published at `<org>/oauth2/v1/keys`):
 * `iss` the org URL, `aud` the endpoint, a short `exp`, a fresh `jti`. The body names the user as
 * `{ "sub_id": { "format": "email", "email" } }` or `{ "format": "iss_sub", "iss", "sub" }`.
 * @see https://developer.okta.com/docs/guides/oin-universal-logout-overview/
 * @see https://datatracker.ietf.org/doc/draft-parecki-oauth-global-token-revocation/
 */
import { randomUUID } from 'node:crypto';
import { importJWK, SignJWT } from 'jose';
import type { DirectoryUser } from '../directory/types.ts';

/** How an app wants the user identified (Okta's "Subject format"). */
export type SubjectFormat = 'email' | 'iss_sub';

/** An app's Universal Logout registration. */
export interface UniversalLogoutEndpoint {
  clientId: string;
  uri: string;
  subjectFormat: SubjectFormat;
}

/** What one delivery did (never the token). */
export interface UniversalLogoutResult {
  clientId: string;
  /** The endpoint's HTTP status, or 0 when it could not be reached. */
  status: number;
}

// 60 s: Okta's logout request is for now; a captured one must not stay usable.
const TOKEN_LIFETIME_SECONDS = 60;
// 3 s, as for hooks: a slow endpoint must not hold the admin's call.
const TIMEOUT_MS = 3000;

/** Sends Universal Logout for `user` to each endpoint, signed with `signingKey` (a private JWK with `kid`). */
export async function sendUniversalLogout(
  user: DirectoryUser,
  endpoints: readonly UniversalLogoutEndpoint[],
  options: { orgUrl: string; signingKey: Record<string, unknown> & { kid: string }; fetch?: typeof fetch },
): Promise<UniversalLogoutResult[]> {
  const key = await importJWK(options.signingKey, 'RS256');
  return Promise.all(
    endpoints.map(async (endpoint) => {
      const now = Math.floor(Date.now() / 1000);
      const jwt = await new SignJWT({})
        .setProtectedHeader({ alg: 'RS256', kid: options.signingKey.kid, typ: 'JWT' })
        .setIssuer(options.orgUrl)
        .setSubject(endpoint.clientId)
        .setAudience(endpoint.uri)
        .setIssuedAt(now)
        .setExpirationTime(now + TOKEN_LIFETIME_SECONDS)
        .setJti(randomUUID())
        .sign(key);
      const subId = endpoint.subjectFormat === 'email'
        ? { format: 'email', email: user.profile.email }
        : { format: 'iss_sub', iss: options.orgUrl, sub: user.id };
      try {
        const response = await (options.fetch ?? fetch)(endpoint.uri, {
          method: 'POST',
          redirect: 'manual',
          headers: { authorization: `Bearer ${jwt}`, 'content-type': 'application/json', accept: 'application/json' },
          body: JSON.stringify({ sub_id: subId }),
          signal: AbortSignal.timeout(TIMEOUT_MS),
        });
        await response.body?.cancel();
        return { clientId: endpoint.clientId, status: response.status };
      } catch {
        return { clientId: endpoint.clientId, status: 0 };
      }
    }),
  );
}
