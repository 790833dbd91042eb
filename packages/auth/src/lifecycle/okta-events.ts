/**
 * Okta Event Hook deliveries: the shape Gatehouse accepts, and what each event type means for the
 * sessions of the user it names. Only the fields used are checked; anything else Okta sends is
 * ignored, so a new field never breaks delivery.
 * @see https://developer.okta.com/docs/concepts/event-hooks/ (delivery envelope, `data.events[]`)
 * @see https://developer.okta.com/docs/reference/api/event-types/ (event types)
 */
import { z } from 'zod';
import type { GatehouseConfig } from '../config/schema.ts';
import type { SessionEndReason } from '../events/bus.ts';

// 1,000 events: far above Okta's batches, below anything that would hold the hook past its 3 s.
const MAX_EVENTS = 1000;

const actor = z.looseObject({ id: z.string().min(1).max(200), type: z.string().max(100) });

const logEvent = z.looseObject({
  uuid: z.string().min(1).max(100),
  eventType: z.string().min(1).max(200),
  published: z.string().refine((value) => Number.isFinite(Date.parse(value)), 'must be a date-time'),
  actor: actor.nullish(),
  target: z.array(actor).max(50).nullish(),
});

/** The delivery envelope (CloudEvents 0.1) with its System Log events. */
export const deliverySchema = z.looseObject({
  data: z.looseObject({ events: z.array(logEvent).min(1).max(MAX_EVENTS) }),
});

/** One System Log event as Gatehouse reads it. */
export type OktaLogEvent = z.infer<typeof logEvent>;

/** What an event does to its user's sessions. */
export type EventEffect =
  | { kind: 'end'; sub: string; reason: SessionEndReason }
  | { kind: 'reRole'; sub: string }
  | { kind: 'ignore'; why: 'not_handled' | 'no_user' | 'other_app' | 'policy' };

const ENDS_SESSIONS: Record<string, SessionEndReason> = {
  'user.lifecycle.deactivate': 'user_deactivated',
  'user.lifecycle.suspend': 'user_deactivated',
  'user.lifecycle.delete.initiated': 'user_deactivated',
  'user.session.end': 'idp_logout',
  'user.session.clear': 'idp_logout',
  'application.user_membership.remove': 'app_unassigned',
};
const RE_ROLES = new Set(['group.user_membership.add', 'group.user_membership.remove']);
const CREDENTIALS = new Set(['user.account.update_password', 'user.mfa.factor.deactivate']);

/** Every event type `/hooks/okta` acts on (the ones to subscribe the hook to). */
export const HANDLED_EVENT_TYPES: readonly string[] = [...Object.keys(ENDS_SESSIONS), ...RE_ROLES, ...CREDENTIALS];

/**
 * The user an event is about: its `User` target; for a user's own session events (where Okta may
 * list no target), the `User` actor.
 */
function subjectOf(event: OktaLogEvent): string | null {
  const target = event.target?.find((entry) => entry.type === 'User' || entry.type === 'AppUser');
  if (target) return target.id;
  if (event.eventType.startsWith('user.session.') && event.actor?.type === 'User') return event.actor.id;
  return null;
}

/** What `event` does, under `config` (our app's id, the credential-change policy). */
export function effectOf(event: OktaLogEvent, config: GatehouseConfig): EventEffect {
  const known = event.eventType in ENDS_SESSIONS || RE_ROLES.has(event.eventType) || CREDENTIALS.has(event.eventType);
  if (!known) return { kind: 'ignore', why: 'not_handled' };
  const sub = subjectOf(event);
  if (!sub) return { kind: 'ignore', why: 'no_user' };
  if (event.eventType === 'application.user_membership.remove') {
    // An OIDC app's instance id is its client id: an unassignment from another app is not ours.
    const ours = event.target?.some((entry) => entry.type === 'AppInstance' && entry.id === config.okta.clientId);
    if (!ours) return { kind: 'ignore', why: 'other_app' };
  }
  const reason = ENDS_SESSIONS[event.eventType];
  if (reason) return { kind: 'end', sub, reason };
  if (RE_ROLES.has(event.eventType)) return { kind: 'reRole', sub };
  return config.lifecycle.onCredentialChange === 'end_sessions' ? { kind: 'end', sub, reason: 'credentials_changed' } : { kind: 'ignore', why: 'policy' };
}

/** Oldest first by `published`, then by `uuid`, so a batch applies in the order it happened. */
export function inPublishedOrder(events: readonly OktaLogEvent[]): OktaLogEvent[] {
  return [...events].sort((a, b) => Date.parse(a.published) - Date.parse(b.published) || (a.uuid < b.uuid ? -1 : a.uuid > b.uuid ? 1 : 0));
}
