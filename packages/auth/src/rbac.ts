/**
 * Role-based access: Okta groups map to roles through config (`GATEHOUSE_*_GROUPS`), roles map to
 * typed permissions in the one table below. Server-side checks read only this module.
 */
import type { GatehouseConfig } from './config/schema.ts';
import type { Permission, Role } from './types.ts';

/**
 * The one roles → permissions table. An admin can do everything; a viewer reads dashboards and
 * their own profile. A signed-in user with no role has no permission at all.
 */
export const ROLE_PERMISSIONS: Readonly<Record<Role, readonly Permission[]>> = Object.freeze({
  admin: Object.freeze([
    'dashboards:read',
    'profile:read',
    'users:read',
    'users:manage',
    'sessions:read',
    'sessions:revoke',
    'audit:read',
    'settings:read',
  ] as const),
  viewer: Object.freeze(['dashboards:read', 'profile:read'] as const),
});

/** Roles in precedence order (the order `resolveRoles` returns them in). */
export const ROLES: readonly Role[] = Object.freeze(['admin', 'viewer'] as const);

/** Why a `groups` claim granted nothing; recorded as the audit reason so operators can fix Okta. */
export type GroupsClaimProblem = 'groups_claim_missing' | 'groups_claim_malformed';

/**
 * Maps the ID token's `groups` claim to roles. Matching is exact and case-sensitive on whole array
 * elements (`Admin` is not `admin`). A missing claim, or anything other than an array of strings,
 * grants no role at all (fail closed) and names the problem.
 */
export function resolveRoles(
  groupsClaim: unknown,
  mapping: GatehouseConfig['roles'],
): { roles: Role[]; groups: string[]; problem: GroupsClaimProblem | null } {
  if (groupsClaim === undefined || groupsClaim === null) return { roles: [], groups: [], problem: 'groups_claim_missing' };
  if (!Array.isArray(groupsClaim) || !groupsClaim.every((group): group is string => typeof group === 'string')) {
    return { roles: [], groups: [], problem: 'groups_claim_malformed' };
  }
  const groups = [...new Set(groupsClaim)];
  const roles = ROLES.filter((role) => mapping[role].some((group) => groups.includes(group)));
  return { roles, groups, problem: null };
}

/**
 * The value of `name` in `claims`: the claim of that exact name when there is one (names such as
 * `https://example.com/groups` contain dots), else the dotted path walked through nested objects
 * (`realm_access.roles` → `claims.realm_access.roles`). `undefined` when absent.
 */
export function readClaim(claims: Record<string, unknown>, name: string): unknown {
  if (Object.hasOwn(claims, name)) return claims[name];
  let value: unknown = claims;
  for (const segment of name.split('.')) {
    if (value === null || typeof value !== 'object' || Array.isArray(value) || !Object.hasOwn(value, segment)) return undefined;
    value = (value as Record<string, unknown>)[segment];
  }
  return value;
}

/** Every permission the given roles grant, without duplicates, in table order. */
export function permissionsFor(roles: readonly Role[]): Permission[] {
  const granted = new Set<Permission>();
  for (const role of ROLES) if (roles.includes(role)) for (const permission of ROLE_PERMISSIONS[role]) granted.add(permission);
  return [...granted];
}

/** Whether any of the roles grants `permission`. */
export function hasPermission(roles: readonly Role[], permission: Permission): boolean {
  return roles.some((role) => ROLE_PERMISSIONS[role]?.includes(permission) === true);
}
