/**
 * Who may introspect or revoke a token: as at Okta, only the client it was issued to.
 *
 * oidc-provider asks `features.introspection.allowedPolicy` and `features.revocation.allowedPolicy`
 * once it has found a valid token; its defaults let any confidential client introspect any
 * token and answer another client's revocation with an error (and print a notice to change them).
 * Okta instead keeps other clients' tokens invisible:
 * - introspection answers `{ "active": false }`, exactly as for an unknown token, so a client learns
 *   nothing about tokens that are not its own (RFC 7662 §2.2, §4);
 * - revocation answers 200 and leaves the token alone, as for an invalid token, so the answer does
 *   not tell whether the token exists (RFC 7009 §2.1, §2.2; Okta: "A client may only revoke its
 *   own tokens", and revoking an invalid token "is still considered a success").
 *
 * @see https://www.rfc-editor.org/rfc/rfc7662#section-2.2
 * @see https://www.rfc-editor.org/rfc/rfc7009#section-2.1
 * @see https://developer.okta.com/docs/api/openapi/okta-oauth/oauth/customas/revokecustomas
 */

/** The caller as oidc-provider passes it to the policies. */
interface PolicyClient {
  clientId: string;
}

/** The found token as oidc-provider passes it to the policies. */
interface PolicyToken {
  clientId?: string;
}

/** A policy for both features: `true` only when the calling client is the token's client. */
export type TokenOwnershipPolicy = (ctx: unknown, client: PolicyClient, token: PolicyToken) => Promise<boolean>;

/**
 * `features.introspection.allowedPolicy` / `features.revocation.allowedPolicy`: allowed only for
 * the client the token was issued to; anything else is treated like an unknown token.
 */
export const onlyTokensIssuedToCaller: TokenOwnershipPolicy = async function onlyTokensIssuedToCaller(_ctx, client, token) {
  return typeof token.clientId === 'string' && token.clientId === client.clientId;
};

/**
 * The `introspection` and `revocation` feature settings of an authorization server (a fresh
 * object per provider: oidc-provider merges its defaults into what it is given).
 */
export function ownTokensOnlyFeatures() {
  return {
    introspection: { enabled: true, allowedPolicy: onlyTokensIssuedToCaller },
    revocation: { enabled: true, allowedPolicy: onlyTokensIssuedToCaller },
  };
}
