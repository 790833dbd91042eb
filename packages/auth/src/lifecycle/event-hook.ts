/**
 * `POST /hooks/okta` (+ the one-time `GET` verification): Okta Event Hooks end or re-role the
 * sessions of the user each event names, on every instance.
 *
 * Delivery rules (Okta's): the hook must answer within 3 s, deliveries are at-least-once and may
 * arrive out of order, and a 4xx is never retried. So: authenticate (constant time), parse, then
 * per event *claim* its `uuid` in the store (a lease every instance sees — the persisted record
 * that makes a redelivery a no-op) and apply it, oldest `published` first. Effects read the truth
 * (the user's current groups) rather than the event's delta, so order across deliveries does not
 * change the outcome. What is not done by the deadline goes on after the answer. A failure to apply
 * gives the claim back and answers 503, so Okta's retry applies it; only a malformed or
 * unauthenticated request gets a 4xx.
 * @see https://developer.okta.com/docs/concepts/event-hooks/
 */
import type { Audit, AuthLogger } from '../audit.ts';
import type { GatehouseConfig } from '../config/schema.ts';
import { sha256, timingSafeEqualString } from '../crypto.ts';
import { errorSummary } from '../errors.ts';
import type { LeaseStore } from '../types.ts';
import type { Lifecycle } from './effects.ts';
import { deliverySchema, effectOf, inPublishedOrder, type OktaLogEvent } from './okta-events.ts';
import { json, readBody } from './http.ts';

/** What the hook handler is built from. */
export interface EventHookDeps {
  config: GatehouseConfig;
  lifecycle: Lifecycle;
  /** Where each event's `uuid` is claimed once, on every instance. */
  leases: LeaseStore;
  audit: Audit;
  logger: AuthLogger;
}

// 1 MiB: a batch of a few hundred System Log events; bigger is not a delivery.
const MAX_BODY_BYTES = 1024 * 1024;
// 2.5 s: inside Okta's 3 s, leaving room for the network; the rest is finished after answering.
const ANSWER_WITHIN_MS = 2500;
// 24 h: Okta retries within minutes; a day of event ids costs one small row per event.
const CLAIM_TTL_MS = 24 * 3600 * 1000;
// 256 characters: Okta's challenge is a short random string; anything longer is not one.
const MAX_CHALLENGE_LENGTH = 256;

/** Creates the handler of `GET`/`POST /hooks/okta`; other methods get 405. */
export function createEventHookHandler(deps: EventHookDeps): (request: Request) => Promise<Response> {
  const { config, lifecycle, leases, audit, logger } = deps;
  const secret = config.lifecycle.eventHookSecret;
  const secretHash = secret === null ? null : sha256(secret);

  const deny = async (status: number, reason: string, message: string, request: Request) => {
    await audit.emit({ type: 'lifecycle.event', result: 'failure', reason, detail: { source: 'event_hook', method: request.method } });
    return json(status, { error: reason, message });
  };

  /** Applies one event under its claim; `'duplicate'` when another delivery already took it. */
  async function apply(event: OktaLogEvent): Promise<'applied' | 'duplicate' | 'ignored'> {
    const claim = `okta-event:${event.uuid}`;
    const holder = crypto.randomUUID();
    if (!(await leases.acquireLease(claim, holder, CLAIM_TTL_MS))) {
      await audit.emit({ type: 'lifecycle.event', result: 'success', reason: 'duplicate_event', detail: { source: 'event_hook', eventType: event.eventType, eventId: event.uuid, action: 'none' } });
      return 'duplicate';
    }
    const effect = effectOf(event, config);
    const detail = { eventType: event.eventType, eventId: event.uuid };
    try {
      if (effect.kind === 'end') await lifecycle.endUserSessions(effect.sub, effect.reason, 'event_hook', detail);
      else if (effect.kind === 'reRole') await lifecycle.userChanged(effect.sub, 'event_hook', detail);
      else {
        logger.debug({ eventType: event.eventType, why: effect.why }, 'okta event ignored');
        return 'ignored';
      }
      return 'applied';
    } catch (err) {
      // Give the claim back: Okta's retry (after our 503) must apply it.
      await leases.releaseLease(claim, holder).catch(() => {});
      throw err;
    }
  }

  async function deliver(request: Request): Promise<Response> {
    const body = await readBody(request, MAX_BODY_BYTES);
    if (body === null) return deny(413, 'hook_body_too_large', 'The delivery is larger than 1 MiB.', request);
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      return deny(400, 'hook_body_malformed', 'The delivery is not JSON.', request);
    }
    const delivery = deliverySchema.safeParse(parsed);
    if (!delivery.success) return deny(400, 'hook_body_malformed', 'The delivery is not an Okta Event Hook body (data.events[] with uuid, eventType, published).', request);

    const events = inPublishedOrder(delivery.data.data.events);
    const work = (async () => {
      const outcome = { applied: 0, duplicate: 0, ignored: 0 };
      for (const event of events) outcome[await apply(event)]++;
      return outcome;
    })();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<'late'>((resolve) => {
      timer = setTimeout(() => resolve('late'), ANSWER_WITHIN_MS);
    });
    try {
      const result = await Promise.race([work, late]);
      if (result === 'late') {
        work.catch((err: unknown) => logger.error({ step: 'event-hook', ...errorSummary(err) }, 'event hook delivery failed after answering'));
        return json(200, { status: 'accepted', events: events.length });
      }
      return json(200, { status: 'processed', ...result });
    } catch (err) {
      logger.error({ step: 'event-hook', ...errorSummary(err) }, 'event hook delivery failed; Okta will retry');
      await audit.emit({ type: 'lifecycle.event', result: 'failure', reason: 'hook_processing_failed', detail: { source: 'event_hook', events: events.length } });
      return json(503, { error: 'temporarily_unavailable', message: 'The delivery could not be applied now; retry.' });
    } finally {
      clearTimeout(timer);
    }
  }

  return async function oktaEventHook(request) {
    if (secretHash === null) return json(404, { error: 'not_found', message: 'Event hooks are not configured (OKTA_EVENT_HOOK_SECRET).' });
    if (request.method !== 'GET' && request.method !== 'POST') return json(405, { error: 'method_not_allowed', message: 'Use GET (verification) or POST (delivery).' }, { allow: 'GET, POST' });
    const presented = request.headers.get('authorization');
    // Hash first, so the comparison's time does not depend on the presented value's length.
    if (presented === null || !timingSafeEqualString(await sha256(presented), await secretHash)) {
      return deny(401, 'hook_unauthorized', 'The authorization header does not match OKTA_EVENT_HOOK_SECRET.', request);
    }
    if (request.method === 'GET') {
      const challenge = request.headers.get('x-okta-verification-challenge');
      if (!challenge || challenge.length > MAX_CHALLENGE_LENGTH) return deny(400, 'hook_challenge_missing', 'The X-Okta-Verification-Challenge header is missing.', request);
      await audit.emit({ type: 'lifecycle.event', result: 'success', reason: 'hook_verified', detail: { source: 'event_hook', action: 'verified' } });
      return json(200, { verification: challenge });
    }
    return deliver(request);
  };
}
