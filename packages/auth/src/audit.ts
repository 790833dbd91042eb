/**
 * Audit emission for the auth flow: a thin, never-throwing wrapper over the app's
 * {@link AuditSink}, and who an event is about. Events never hold a token, code or cookie — only
 * codes, ids and the request summaries of `request-summary.ts`.
 */
import type { AuditEvent, AuditSink, AuthUser } from './types.ts';

/** The logger shape the auth core writes to (pino-compatible). */
export interface AuthLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
}

/** A logger that drops everything (the default when the app gives none). */
export const silentLogger: AuthLogger = { info() {}, warn() {}, error() {}, debug() {} };

/** Records audit events; `emit` never rejects, so an audit outage never breaks a sign-in. */
export interface Audit {
  emit(event: AuditEvent): Promise<void>;
}

// 200 characters: enough for a path or a reason, too short to smuggle a token into the log.
const MAX_DETAIL_LENGTH = 200;

/**
 * Wraps `sink` so that emission is best-effort: failures are logged (without the event's
 * contents beyond its type) and swallowed; string details are truncated.
 */
export function createAudit(sink: AuditSink, logger: AuthLogger, now: () => number): Audit {
  return {
    async emit(event) {
      const clean: AuditEvent = { ...event, at: event.at ?? now() };
      if (clean.detail) {
        clean.detail = Object.fromEntries(
          Object.entries(clean.detail).map(([key, value]) => [key, typeof value === 'string' ? value.slice(0, MAX_DETAIL_LENGTH) : value]),
        );
      }
      for (const key of Object.keys(clean) as Array<keyof AuditEvent>) if (clean[key] === undefined) delete clean[key];
      try {
        await sink.record(clean);
      } catch (err) {
        logger.error({ auditType: event.type, error: err instanceof Error ? err.name : typeof err }, 'audit sink failed');
      }
    },
  };
}

/** Who an event is about: the user's id, their email when known, and the session when there is one. */
export function userFields(user: AuthUser, sessionId?: string): Pick<AuditEvent, 'sub' | 'email' | 'sessionId'> {
  return { sub: user.sub, ...(user.email ? { email: user.email } : {}), ...(sessionId ? { sessionId } : {}) };
}
