/**
 * Role-based access: Okta groups map to roles through config (`GATEHOUSE_*_GROUPS`), roles map to
 * typed permissions in the one table below. Server-side checks read only this module.
 */
import { ConfigError, type ConfigIssue } from './config/errors.ts';
import type { GatehouseConfig } from './config/schema.ts';
import type { CorePermission, CoreRole, Permission, Role } from './types.ts';

/**
 * The one roles → permissions table. An admin can do everything; a viewer reads dashboards and
 * their own profile. A signed-in user with no role has no permission at all.
 */
export const ROLE_PERMISSIONS: Readonly<Record<CoreRole, readonly CorePermission[]>> = Object.freeze({
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
export const ROLES: readonly CoreRole[] = Object.freeze(['admin', 'viewer'] as const);

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
  return roles.some((role) => (ROLE_PERMISSIONS as Readonly<Record<string, readonly Permission[]>>)[role]?.includes(permission) === true);
}

/** A role an app adds: what it grants, and which Okta groups grant it when its variable is unset. */
export interface AppRoleDefinition {
  /** The app's permissions this role grants (`'<app>:<action>'`). */
  permissions: readonly Permission[];
  /** Okta groups granting the role unless `GATEHOUSE_ROLE_<ROLE>_GROUPS` is set. */
  defaultGroups: readonly string[];
  /** One line for the admin's roles page. */
  description?: string;
}

/** App roles by name (`'<app>-<role>'`, lower case). */
export type AppRoleDefinitions = Readonly<Partial<Record<Role, AppRoleDefinition>>>;

/**
 * The one roles → permissions table of a running project: the core roles above, then every app's,
 * each with the Okta groups granting it (from configuration). Built once at start-up by
 * {@link createRoleTable}; the auth core and its guards read only this.
 */
export interface RoleTable {
  /** Every role, in precedence order: the core roles, then the apps' in the order they were given. */
  readonly roles: readonly Role[];
  /** What `role` grants; empty for a role the table does not know (e.g. an app since removed). */
  permissionsOf(role: Role): readonly Permission[];
  /** The Okta groups granting `role`. */
  groupsOf(role: Role): readonly string[];
  /** {@link resolveRoles} over every role of the table. */
  resolve(groupsClaim: unknown): { roles: Role[]; groups: string[]; problem: GroupsClaimProblem | null };
  /** Every permission the given roles grant, without duplicates, in table order. */
  permissionsFor(roles: readonly Role[]): Permission[];
  /** Whether any of the roles grants `permission`. */
  has(roles: readonly Role[], permission: Permission): boolean;
  /** The roles that grant `permission`. */
  rolesGranting(permission: Permission): Role[];
}

/** App role names: lower case words joined by `-` (`approvals-user`). */
export const APP_ROLE_NAME = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;
/** Permission names: `<area>:<action>`, lower case (`approvals:read`). */
export const PERMISSION_NAME = /^[a-z][a-z0-9-]*:[a-z][a-z0-9-]*$/;

/** The variable holding the Okta groups that grant an app role: `approvals-user` → `GATEHOUSE_ROLE_APPROVALS_USER_GROUPS`. */
export function appRoleVariable(role: string): string {
  return `GATEHOUSE_ROLE_${role.toUpperCase().replace(/[^A-Z0-9]+/g, '_')}_GROUPS`;
}

/**
 * Builds the project's {@link RoleTable} from the configuration and the apps' role definitions.
 * Throws {@link ConfigError} at start-up for an app role that clashes with another, a malformed
 * name, or a `GATEHOUSE_ROLE_*_GROUPS` variable naming no app role (a typo would otherwise grant nothing, silently).
 */
export function createRoleTable(config: Pick<GatehouseConfig, 'roles' | 'appRoleGroups'>, appRoles: AppRoleDefinitions = {}): RoleTable {
  const issues: ConfigIssue[] = [];
  const permissions = new Map<Role, readonly Permission[]>();
  const groups = new Map<Role, readonly string[]>();
  for (const role of ROLES) {
    permissions.set(role, ROLE_PERMISSIONS[role]);
    groups.set(role, Object.freeze([...config.roles[role]]));
  }
  const variables = new Map<string, string>();
  for (const [role, definition] of Object.entries(appRoles) as Array<[Role, AppRoleDefinition | undefined]>) {
    if (!definition) continue;
    const variable = appRoleVariable(role);
    if (!APP_ROLE_NAME.test(role)) issues.push({ field: variable, message: `App role "${role}" is not a valid name: lower case words joined by - (e.g. approvals-user)` });
    else if (permissions.has(role)) issues.push({ field: variable, message: `App role "${role}" clashes with a core role; name it after its app (e.g. ${role}s-user)` });
    else if (variables.has(variable)) issues.push({ field: variable, message: `App roles "${variables.get(variable)}" and "${role}" would share ${variable}; rename one of them` });
    const bad = definition.permissions.filter((permission) => !PERMISSION_NAME.test(permission));
    if (bad.length > 0) issues.push({ field: variable, message: `App role "${role}" grants malformed permissions (${bad.join(', ')}): use <area>:<action>, e.g. approvals:read` });
    variables.set(variable, role);
    permissions.set(role, Object.freeze([...new Set(definition.permissions)]));
    groups.set(role, Object.freeze([...(config.appRoleGroups[variable] ?? definition.defaultGroups)]));
  }
  for (const variable of Object.keys(config.appRoleGroups)) {
    if (!variables.has(variable)) {
      const known = [...variables.keys()];
      issues.push({ field: variable, message: `${variable} names no role of this project's apps (${known.length > 0 ? `their variables: ${known.join(', ')}` : 'no app declares a role'}); fix the name or remove it` });
    }
  }
  if (issues.length > 0) throw new ConfigError(issues);

  const roles = Object.freeze([...permissions.keys()]);
  const permissionsOf = (role: Role): readonly Permission[] => permissions.get(role) ?? [];
  return Object.freeze({
    roles,
    permissionsOf,
    groupsOf: (role: Role): readonly string[] => groups.get(role) ?? [],
    resolve(groupsClaim: unknown) {
      if (groupsClaim === undefined || groupsClaim === null) return { roles: [], groups: [], problem: 'groups_claim_missing' as const };
      if (!Array.isArray(groupsClaim) || !groupsClaim.every((group): group is string => typeof group === 'string')) {
        return { roles: [], groups: [], problem: 'groups_claim_malformed' as const };
      }
      const claimed = [...new Set(groupsClaim)];
      return { roles: roles.filter((role) => groups.get(role)!.some((group) => claimed.includes(group))), groups: claimed, problem: null };
    },
    permissionsFor(held: readonly Role[]): Permission[] {
      const granted = new Set<Permission>();
      for (const role of roles) if (held.includes(role)) for (const permission of permissionsOf(role)) granted.add(permission);
      return [...granted];
    },
    has: (held: readonly Role[], permission: Permission) => held.some((role) => permissionsOf(role).includes(permission)),
    rolesGranting: (permission: Permission) => roles.filter((role) => permissionsOf(role).includes(permission)),
  });
}
