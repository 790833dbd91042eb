/**
 * From validated ID token claims to what a session keeps: the user, the roles (via the one RBAC
 * table), and a small allowlist of claims for the profile page and step-up checks. Nothing else
 * of the token — in particular no `nonce`, `at_hash` or token value — is kept.
 */
import type { GatehouseConfig } from '../config/schema.ts';
import { type GroupsClaimProblem, readClaim, type RoleTable } from '../rbac.ts';
import type { AuthUser, Role, SessionRecord } from '../types.ts';
import { MFA_IF_ENROLLED_ACR } from './login.ts';

// `sid`: the IdP's session id, so a back-channel logout ends exactly the session it names.
const KEPT_CLAIMS = ['auth_time', 'amr', 'acr', 'preferred_username', 'idp', 'email_verified', 'given_name', 'family_name', 'locale', 'zoneinfo', 'sid'] as const;

/** What a validated ID token means for a session. */
export interface Identity {
  user: AuthUser;
  roles: Role[];
  claims: SessionRecord['claims'];
  /** Set when the groups claim (`GATEHOUSE_GROUPS_CLAIM`) granted nothing because it was missing or malformed. */
  groupsProblem: GroupsClaimProblem | null;
}

function stringClaim(value: unknown): string | null {
  return typeof value === 'string' && value.length > 0 ? value : null;
}

/**
 * Maps ID token claims to an {@link Identity}. `previous` (on refresh) supplies claims a refreshed
 * ID token may omit (`auth_time`, `amr`), so a refresh never makes a step-up look fresher or older.
 */
export function identityFromClaims(
  claims: Record<string, unknown>,
  config: Pick<GatehouseConfig, 'groupsClaim'>,
  rbac: Pick<RoleTable, 'resolve'>,
  previous?: SessionRecord['claims'],
): Identity {
  const { roles, groups, problem } = rbac.resolve(readClaim(claims, config.groupsClaim));
  const kept: Record<string, unknown> = { ...(previous ?? {}) };
  for (const name of KEPT_CLAIMS) if (claims[name] !== undefined) kept[name] = claims[name];
  const given = stringClaim(claims['given_name']);
  const family = stringClaim(claims['family_name']);
  return {
    user: {
      sub: String(claims['sub']),
      email: stringClaim(claims['email']),
      name: stringClaim(claims['name']) ?? ([given, family].filter(Boolean).join(' ') || null),
      groups,
    },
    roles,
    claims: kept as SessionRecord['claims'],
    groupsProblem: problem,
  };
}

/**
 * The audit reason for an unusable `groups` claim: always `groups_claim_missing` (the one
 * operator-facing reason), with `groupsClaim: 'missing' | 'malformed'` as detail.
 */
export function groupsAuditFields(problem: GroupsClaimProblem | null): { reason?: string; groupsClaim?: string } {
  if (!problem) return {};
  return { reason: 'groups_claim_missing', groupsClaim: problem === 'groups_claim_malformed' ? 'malformed' : 'missing' };
}

/**
 * `amr` values that show a second factor was used: `mfa` itself, or a possession or inherence
 * method (one-time code, SMS/call, hardware or software key, smart card, proof of possession,
 * biometrics). `pwd` and `kba` (security questions) are knowledge: never a second factor.
 * @see RFC 8176 §2
 */
const MFA_METHODS = new Set(['mfa', 'otp', 'sms', 'tel', 'hwk', 'swk', 'sc', 'pop', 'fpt', 'face', 'iris', 'retina', 'vbm']);

/**
 * Whether the claims show a second factor: `amr` holds an MFA method. An `acr` alone does not
 * count — Okta's `…:ifpossible` context is met by a user with no factor at all.
 */
export function hasMfa(claims: SessionRecord['claims']): boolean {
  return Array.isArray(claims.amr) && claims.amr.some((method) => typeof method === 'string' && MFA_METHODS.has(method));
}

/**
 * Whether the sign-in met "a second factor if the user has one": a second factor was used, or the
 * IdP reports it satisfied Okta's `…:2fa:any:ifpossible` context (the user has no factor enrolled).
 */
export function hasMfaIfEnrolled(claims: SessionRecord['claims']): boolean {
  return hasMfa(claims) || claims.acr === MFA_IF_ENROLLED_ACR;
}
