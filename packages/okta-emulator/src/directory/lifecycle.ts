import { DirectoryError } from './errors.ts';
import type { DirectoryEventType } from './events.ts';
import type { DirectoryUser, UserStatus } from './types.ts';

/** The lifecycle operations of Okta's User Lifecycle API that the emulator models. */
export type LifecycleOperation = 'activate' | 'deactivate' | 'suspend' | 'unsuspend' | 'unlock';

/** The message Okta gives for operations a DEPROVISIONED user does not allow. */
export const NOT_ALLOWED_IN_STATUS_MESSAGE = "This operation is not allowed in the user's current status.";

/**
 * Okta's rules for a lifecycle operation: the status it leads to and the event it announces,
 * or the error Okta answers when the user's status does not allow it.
 * - activate: STAGED or DEPROVISIONED → ACTIVE (PROVISIONED without a password); else E0000016
 * - deactivate: any status but DEPROVISIONED → DEPROVISIONED; else E0000038
 * - suspend: ACTIVE → SUSPENDED; else E0000001 "Cannot suspend a user that is not active"
 * - unsuspend: SUSPENDED → ACTIVE; else E0000001 "Cannot unsuspend a user that is not suspended"
 * - unlock: LOCKED_OUT → ACTIVE; else E0000038
 * @see https://developer.okta.com/docs/api/openapi/okta-management/management/tag/UserLifecycle/
 */
export function lifecycleTransition(
  user: Pick<DirectoryUser, 'status' | 'passwordHash'>,
  operation: LifecycleOperation,
): { status: UserStatus; eventType: DirectoryEventType } {
  switch (operation) {
    case 'activate':
      if (user.status !== 'STAGED' && user.status !== 'DEPROVISIONED') {
        throw new DirectoryError('ALREADY_ACTIVE', 'Activation failed because the user is already active');
      }
      return { status: user.passwordHash ? 'ACTIVE' : 'PROVISIONED', eventType: 'user.lifecycle.activate' };
    case 'deactivate':
      if (user.status === 'DEPROVISIONED') throw new DirectoryError('NOT_ALLOWED_IN_STATUS', NOT_ALLOWED_IN_STATUS_MESSAGE);
      return { status: 'DEPROVISIONED', eventType: 'user.lifecycle.deactivate' };
    case 'suspend':
      if (user.status !== 'ACTIVE') {
        throw new DirectoryError('CANNOT_SUSPEND', 'Api validation failed: status', { causes: ['Cannot suspend a user that is not active'] });
      }
      return { status: 'SUSPENDED', eventType: 'user.lifecycle.suspend' };
    case 'unsuspend':
      if (user.status !== 'SUSPENDED') {
        throw new DirectoryError('CANNOT_UNSUSPEND', 'Api validation failed: status', { causes: ['Cannot unsuspend a user that is not suspended'] });
      }
      return { status: 'ACTIVE', eventType: 'user.lifecycle.unsuspend' };
    case 'unlock':
      if (user.status !== 'LOCKED_OUT') throw new DirectoryError('NOT_ALLOWED_IN_STATUS', NOT_ALLOWED_IN_STATUS_MESSAGE);
      return { status: 'ACTIVE', eventType: 'user.account.unlock_by_admin' };
  }
}
