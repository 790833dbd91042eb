import type { DirectoryEvent, DirectoryGroup, DirectoryUser } from './types.ts';

/** Who made a change, as the System Log's `actor`. */
export type EventActor = DirectoryEvent['actor'];
/** One System Log `target`. */
export type EventTarget = DirectoryEvent['target'][number];

/** The actor of changes nobody in particular made (seeding, start-up). */
export const SYSTEM_ACTOR: EventActor = Object.freeze({
  id: '0oa0000000000system0',
  type: 'SystemPrincipal',
  alternateId: 'system@okta.com',
  displayName: 'Okta System',
});

/** The Okta event types the directory emits, with the System Log's display message for each. */
export const DIRECTORY_EVENT_MESSAGES = {
  'user.lifecycle.create': 'Create Okta user',
  'user.lifecycle.activate': 'Activate Okta user',
  'user.lifecycle.deactivate': 'Deactivate Okta user',
  'user.lifecycle.suspend': 'Suspend Okta user',
  'user.lifecycle.unsuspend': 'Unsuspend Okta user',
  'user.account.lock': 'Max sign in attempts exceeded',
  'user.account.unlock_by_admin': 'Unlock user account by admin',
  'user.lifecycle.delete.initiated': 'Delete Okta user',
  'user.account.update_profile': 'Update user profile for Okta',
  'group.user_membership.add': 'Add user to group membership',
  'group.user_membership.remove': 'Remove user from group membership',
  'group.lifecycle.create': 'Create Okta group',
  'group.lifecycle.delete': 'Delete Okta group',
  'user.session.start': 'User login to Okta',
  'user.session.end': 'User logout from Okta',
  'user.session.clear': 'Clear user session',
  'user.account.update_password': 'User update password for Okta',
} as const;

/**
 * Event types Okta lets an Event Hook subscribe to that the emulator never emits (it has no API to
 * unassign an app or reset a factor). A hook subscribed to them registers as it would at a real
 * org, so a receiver's set-up (and `npm run doctor`'s check of it) is the same against both;
 * nothing is ever delivered for them here.
 * @see https://developer.okta.com/docs/reference/api/event-types/?q=event-hook-eligible
 */
const SUBSCRIBABLE_NOT_EMITTED = ['application.user_membership.add', 'application.user_membership.remove', 'user.mfa.factor.activate', 'user.mfa.factor.deactivate'];

/** Event types a hook may subscribe to here: the ones the emulator emits, and the Okta-eligible ones above. */
export const EVENT_HOOK_EVENT_TYPES: readonly string[] = Object.freeze([...Object.keys(DIRECTORY_EVENT_MESSAGES), ...SUBSCRIBABLE_NOT_EMITTED]);

/** An event type the directory knows a display message for. */
export type DirectoryEventType = keyof typeof DIRECTORY_EVENT_MESSAGES;

/** A user as a System Log target (`alternateId` is the login, as Okta logs it). */
export function userTarget(user: DirectoryUser): EventTarget {
  return {
    id: user.id,
    type: 'User',
    alternateId: user.profile.login,
    displayName: `${user.profile.firstName} ${user.profile.lastName}`.trim(),
  };
}

/** A group as a System Log target (Okta logs `alternateId: "unknown"` for groups). */
export function groupTarget(group: DirectoryGroup): EventTarget {
  return { id: group.id, type: 'UserGroup', alternateId: 'unknown', displayName: group.profile.name };
}

/** A user as the actor of their own action (sign-in, sign-out). */
export function userActor(user: DirectoryUser): EventActor {
  const { id, alternateId, displayName } = userTarget(user);
  return { id, type: 'User', alternateId, displayName };
}

/** A user's own sign-in (`user.session.start`) or sign-out (`user.session.end`), ready to announce. */
export function sessionEvent(eventType: 'user.session.start' | 'user.session.end', user: DirectoryUser): Omit<DirectoryEvent, 'published'> {
  return { eventType, displayMessage: DIRECTORY_EVENT_MESSAGES[eventType], actor: userActor(user), target: [userTarget(user)], outcome: { result: 'SUCCESS' } };
}
