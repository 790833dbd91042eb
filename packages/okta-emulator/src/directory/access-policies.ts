/**
 * The `default` authorization server's scopes and access policies, as a seed sets them and the
 * provider and the Management API read them. Okta evaluates a request against the first ACTIVE
 * policy (by priority) whose clients include the app, then the first ACTIVE rule of it that
 * matches the grant, the scopes and the user; the emulator applies the grant part of that
 * (a grant no matching rule allows is not available to the client) and reports the rest.
 * @see https://developer.okta.com/docs/guides/configure-access-policy/main/
 */
import { z } from 'zod';
import type { AuthorizationServerSettings, OidcApp } from './types.ts';

/** Grants an access policy rule can allow (Okta's *IF Grant type is* checkboxes). */
export const RULE_GRANT_TYPES = ['authorization_code', 'refresh_token', 'client_credentials', 'implicit', 'password', 'urn:ietf:params:oauth:grant-type:device_code'] as const;

/** One rule of an access policy; lifetimes in minutes, as the Admin Console shows them (0: unlimited). */
export interface AccessPolicyRule {
  id: string;
  name: string;
  status: 'ACTIVE' | 'INACTIVE';
  grantTypes: string[];
  /** Scope names, or `*` for "Any scopes". */
  scopes: string[];
  /** Group ids, or `EVERYONE`. */
  groups: string[];
  accessTokenLifetimeMinutes: number;
  refreshTokenLifetimeMinutes: number;
  refreshTokenWindowMinutes: number;
}

/** An access policy of the authorization server: which clients it applies to, and its rules in priority order. */
export interface AccessPolicy {
  id: string;
  name: string;
  status: 'ACTIVE' | 'INACTIVE';
  /** Client ids, or `ALL_CLIENTS`. */
  clients: string[];
  rules: AccessPolicyRule[];
}

/** Scopes of the `default` server when the seed names none: Okta's reserved scopes plus `groups`. */
export const DEFAULT_SERVER_SCOPES = ['openid', 'profile', 'email', 'address', 'phone', 'offline_access', 'groups'];

/** The seed's shape of `authorizationServer.accessPolicies` (ids are generated when absent). */
export const accessPoliciesSeedSchema = z.array(
  z.strictObject({
    id: z.string().min(1).optional(),
    name: z.string().min(1),
    status: z.enum(['ACTIVE', 'INACTIVE']).optional(),
    clients: z.array(z.string().min(1)).min(1),
    rules: z.array(
      z.strictObject({
        id: z.string().min(1).optional(),
        name: z.string().min(1),
        status: z.enum(['ACTIVE', 'INACTIVE']).optional(),
        grantTypes: z.array(z.enum(RULE_GRANT_TYPES)),
        scopes: z.array(z.string().min(1)).optional(),
        groups: z.array(z.string().min(1)).optional(),
        accessTokenLifetimeMinutes: z.int().positive().optional(),
        refreshTokenLifetimeMinutes: z.int().nonnegative().optional(),
        refreshTokenWindowMinutes: z.int().positive().optional(),
      }),
    ),
  }),
);

/** What a seed gives for the policies. */
export type AccessPoliciesSeed = z.infer<typeof accessPoliciesSeedSchema>;

/** The scopes the server defines. */
export function serverScopes(settings: AuthorizationServerSettings): string[] {
  return settings.scopes ?? DEFAULT_SERVER_SCOPES;
}

/**
 * The policies in force: the seed's, or Okta's *Default Policy* of the `default` server (all
 * clients, one rule allowing every grant and scope to everyone, lifetimes from the settings).
 */
export function accessPoliciesOf(settings: AuthorizationServerSettings): AccessPolicy[] {
  return settings.accessPolicies ?? [defaultPolicy(settings)];
}

function defaultPolicy(settings: AuthorizationServerSettings): AccessPolicy {
  return {
    id: '00pdefault0gatehouse',
    name: 'Default Policy',
    status: 'ACTIVE',
    clients: ['ALL_CLIENTS'],
    rules: [defaultRule(settings, { id: '0prdefault0gatehouse', name: 'Default Policy Rule' })],
  };
}

function defaultRule(settings: AuthorizationServerSettings, naming: { id: string; name: string }): AccessPolicyRule {
  const refreshMinutes = Math.round(settings.refreshTokenLifetimeSeconds / 60);
  return {
    ...naming,
    status: 'ACTIVE',
    grantTypes: ['authorization_code', 'refresh_token', 'client_credentials', 'implicit', 'password'],
    scopes: ['*'],
    groups: ['EVERYONE'],
    accessTokenLifetimeMinutes: Math.round(settings.accessTokenLifetimeSeconds / 60),
    refreshTokenLifetimeMinutes: refreshMinutes,
    refreshTokenWindowMinutes: refreshMinutes,
  };
}

/** Policies from the seed with ids, statuses and defaults filled in (lifetimes default to the server's). */
export function accessPoliciesFromSeed(seed: AccessPoliciesSeed, settings: AuthorizationServerSettings, newId: (prefix: '00p' | '0pr') => string): AccessPolicy[] {
  return seed.map((policy) => ({
    id: policy.id ?? newId('00p'),
    name: policy.name,
    status: policy.status ?? 'ACTIVE',
    clients: policy.clients,
    rules: policy.rules.map((rule) => {
      const base = defaultRule(settings, { id: rule.id ?? newId('0pr'), name: rule.name });
      return {
        ...base,
        status: rule.status ?? 'ACTIVE',
        grantTypes: rule.grantTypes,
        scopes: rule.scopes ?? ['*'],
        groups: rule.groups ?? ['EVERYONE'],
        accessTokenLifetimeMinutes: rule.accessTokenLifetimeMinutes ?? base.accessTokenLifetimeMinutes,
        refreshTokenLifetimeMinutes: rule.refreshTokenLifetimeMinutes ?? base.refreshTokenLifetimeMinutes,
        refreshTokenWindowMinutes: rule.refreshTokenWindowMinutes ?? base.refreshTokenWindowMinutes,
      };
    }),
  }));
}

/** The first ACTIVE policy that applies to the client, as Okta picks it (the list is in priority order). */
export function policyFor(settings: AuthorizationServerSettings, clientId: string): AccessPolicy | null {
  return accessPoliciesOf(settings).find((policy) => policy.status === 'ACTIVE' && (policy.clients.includes('ALL_CLIENTS') || policy.clients.includes(clientId))) ?? null;
}

/**
 * The app with the grants its access policy does not allow taken away, for the provider: a
 * refresh grant no ACTIVE rule allows fails at the token endpoint, as Okta's policy check does.
 * The authorization code grant stays (the client would otherwise not be valid for `code`).
 */
export function withPolicyGrants(app: OidcApp, settings: AuthorizationServerSettings): OidcApp {
  const policy = policyFor(settings, app.clientId);
  const allowed = new Set((policy?.rules ?? []).filter((rule) => rule.status === 'ACTIVE').flatMap((rule) => rule.grantTypes));
  return { ...app, grantTypes: app.grantTypes.filter((grant) => grant === 'authorization_code' || allowed.has(grant)) };
}
