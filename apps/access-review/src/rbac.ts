/**
 * Access Review's roles and permissions, added to the project's one RBAC table. Who holds a
 * dashboard role is sensitive, so both roles default to the `admin` group. The declaration below
 * makes them typed everywhere (`requirePermission(c, 'access-review:manage')` type-checks, a typo does
 * not); the manifest (`index.ts`) registers the same roles at run time.
 *
 * Okta groups grant them like the core roles: `GATEHOUSE_ROLE_ACCESS_REVIEW_USER_GROUPS` and
 * `GATEHOUSE_ROLE_ACCESS_REVIEW_MANAGER_GROUPS` (comma-separated, exact names); unset, the defaults below.
 */
import type { AppRoleDefinitions } from '@gatehouse/auth';

declare module '@gatehouse/auth' {
  interface AppRoleRegistry {
    'access-review-user': true;
    'access-review-manager': true;
  }
  interface AppPermissionRegistry {
    'access-review:read': true;
    'access-review:manage': true;
  }
}

/** Opens the app: the list of accounts holding a dashboard role, and past reviews. */
export const READ = 'access-review:read';
/** Starting a review. */
export const MANAGE = 'access-review:manage';

/** The roles of this app, with the Okta groups that grant them when their variables are unset. */
export const ROLES: AppRoleDefinitions = {
  'access-review-user': {
    permissions: [READ],
    // Admins only until GATEHOUSE_ROLE_ACCESS_REVIEW_USER_GROUPS says otherwise (e.g. auditors).
    defaultGroups: ['admin'],
    description: 'Sees who holds a dashboard role and when they last signed in.',
  },
  'access-review-manager': {
    permissions: [READ, MANAGE],
    defaultGroups: ['admin'],
    description: 'Starts access reviews.',
  },
};
