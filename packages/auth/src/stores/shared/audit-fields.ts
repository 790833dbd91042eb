/** The fields every audit log stores of an event: the known ones only. */
import type { AuditEvent, StoredAuditEvent } from '../../types.ts';

/** Copies only the known fields of an event, so nothing unexpected is persisted. */
export function auditFields(event: AuditEvent, at: number): Omit<StoredAuditEvent, 'id'> {
  return {
    type: event.type,
    result: event.result,
    at,
    ...(event.reason === undefined ? {} : { reason: event.reason }),
    ...(event.sub === undefined ? {} : { sub: event.sub }),
    ...(event.email === undefined ? {} : { email: event.email }),
    ...(event.sessionId === undefined ? {} : { sessionId: event.sessionId }),
    ...(event.ip === undefined ? {} : { ip: event.ip }),
    ...(event.userAgent === undefined ? {} : { userAgent: event.userAgent }),
    ...(event.detail === undefined ? {} : { detail: { ...event.detail } }),
  };
}
