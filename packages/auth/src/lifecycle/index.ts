/**
 * `@gatehouse/auth/lifecycle`: what Okta's changes do to open sessions — the effects (end,
 * re-role), the Event Hook handler, and the event types it handles.
 */
export { createLifecycle, type Lifecycle, type LifecycleDeps, type LifecycleDetail, type LifecycleSource, type UserDirectory } from './effects.ts';
export { createEventHookHandler, type EventHookDeps } from './event-hook.ts';
export { effectOf, HANDLED_EVENT_TYPES, inPublishedOrder, type EventEffect, type OktaLogEvent } from './okta-events.ts';
