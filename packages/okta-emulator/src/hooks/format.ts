import { randomUUID } from 'node:crypto';
import type { DirectoryEvent } from '../directory/types.ts';

/**
 * A directory event as an Okta System Log event object, the shape Event Hooks deliver
 * in `data.events[]`.
 * @see https://developer.okta.com/docs/reference/api/system-log/#logevent-object
 */
export function systemLogEvent(event: DirectoryEvent, uuid: string = randomUUID()) {
  return {
    uuid,
    published: event.published,
    eventType: event.eventType,
    version: '0',
    displayMessage: event.displayMessage,
    severity: event.outcome.result === 'FAILURE' ? 'WARN' : 'INFO',
    client: { userAgent: null, zone: null, device: null, id: null, ipAddress: null, geographicalContext: null },
    device: null,
    actor: { ...event.actor, detailEntry: null },
    outcome: { result: event.outcome.result, reason: event.outcome.reason ?? null },
    target: event.target.map((target) => ({ ...target, detailEntry: null })),
    transaction: { type: 'WEB', id: uuid, detail: {} },
    debugContext: { debugData: {} },
    legacyEventType: null,
    authenticationContext: {
      authenticationProvider: null,
      credentialProvider: null,
      credentialType: null,
      issuer: null,
      authenticationStep: 0,
      externalSessionId: null,
      interface: null,
    },
    securityContext: { asNumber: null, asOrg: null, isp: null, domain: null, isProxy: null },
    insertionTimestamp: null,
  };
}

/** One System Log event, as delivered. */
export type SystemLogEvent = ReturnType<typeof systemLogEvent>;

/**
 * The body of one Event Hook delivery: Okta's CloudEvents 0.1 envelope.
 * @see https://developer.okta.com/docs/concepts/event-hooks/#sample-event-delivery-payload
 */
export function eventHookDelivery(events: SystemLogEvent[], hookId: string, orgUrl: string) {
  return {
    eventType: 'com.okta.event_hook',
    eventTypeVersion: '1.0',
    cloudEventsVersion: '0.1',
    source: new URL(`/api/v1/eventHooks/${hookId}`, orgUrl).href,
    eventId: randomUUID(),
    eventTime: new Date().toISOString(),
    contentType: 'application/json',
    data: { events },
  };
}
