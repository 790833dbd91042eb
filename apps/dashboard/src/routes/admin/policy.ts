/**
 * The one policy table of state-changing admin actions: each names the permission it needs, that
 * it needs a step-up, and what the audit log calls it. Every admin POST handler is built from an
 * entry here by `adminAction(...)` (see `actions.ts`), so none can forget a check.
 */
import type { Permission } from '../../app-context.ts';

/** What an admin action needs before it runs. */
export interface AdminActionPolicy {
  /** The permission the caller's roles must grant. */
  permission: Permission;
  /**
   * Whether a step-up is needed: a sign-in at the IdP within STEP_UP_MAX_AGE with a second factor
   * (unless the STEP_UP_MFA=if-enrolled opt-out is set). Every state-changing action says `true`:
   * anything less lets a password-only session undo or route around the guarded ones.
   */
  stepUp: true;
  /** The action's name in the audit log (`detail.action` of an `admin.action` event). */
  audit: string;
}

/** Every state-changing admin action. */
export const ADMIN_ACTIONS = {
  createUser: { permission: 'users:manage', stepUp: true, audit: 'user.create' },
  addGroup: { permission: 'users:manage', stepUp: true, audit: 'user.group.add' },
  removeGroup: { permission: 'users:manage', stepUp: true, audit: 'user.group.remove' },
  deactivateUser: { permission: 'users:manage', stepUp: true, audit: 'user.deactivate' },
  suspendUser: { permission: 'users:manage', stepUp: true, audit: 'user.suspend' },
  revokeSession: { permission: 'sessions:revoke', stepUp: true, audit: 'session.revoke' },
  revokeUserSessions: { permission: 'sessions:revoke', stepUp: true, audit: 'user.sessions.revoke' },
} as const satisfies Record<string, AdminActionPolicy>;

/** The name of an entry in {@link ADMIN_ACTIONS}. */
export type AdminActionName = keyof typeof ADMIN_ACTIONS;
