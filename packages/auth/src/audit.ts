/**
 * Audit emission for the auth flow: a thin, never-throwing wrapper over the app's
 * {@link AuditSink}, plus the short, non-identifying request summaries events carry.
 * Events never hold a token, code or cookie — only codes, ids and summaries.
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

const clientAddresses = new WeakMap<Request, string>();

/**
 * The client's address: the socket peer, or — behind `trustProxyHops` reverse proxies we run —
 * the entry that many places from the right of `X-Forwarded-For` (each proxy appends the address
 * it saw, so entries further left are whatever the client chose to send and are never used).
 * A request with fewer entries than trusted hops did not come through the proxies: its peer counts.
 */
export function resolveClientAddress(peer: string | null | undefined, forwardedFor: string | null | undefined, trustProxyHops: number): string | null {
  if (trustProxyHops <= 0 || !forwardedFor) return peer ?? null;
  const chain = forwardedFor.split(',').map((entry) => entry.trim()).filter(Boolean);
  const client = withoutPort(chain[chain.length - trustProxyHops]);
  return client && /^[0-9a-fA-F:.]{2,45}$/.test(client) ? client : peer ?? null;
}

/** `203.0.113.5:4711` → `203.0.113.5`, `[2001:db8::1]:443` → `2001:db8::1`: a port must not make a new client. */
function withoutPort(entry: string | undefined): string | undefined {
  if (!entry) return entry;
  const bracketed = /^\[([0-9a-fA-F:.]+)\](?::\d{1,5})?$/.exec(entry);
  if (bracketed) return bracketed[1];
  const v4 = /^(\d{1,3}(?:\.\d{1,3}){3}):\d{1,5}$/.exec(entry);
  return v4 ? v4[1] : entry;
}

/**
 * Lets a server adapter tell the framework-agnostic core the client address of a request (a Web
 * `Request` has none); see {@link resolveClientAddress} for how proxies are taken into account.
 */
export function setClientAddress(request: Request, address: string | null | undefined): void {
  if (address) clientAddresses.set(request, address);
}

/** The peer address summarized to a network ("203.0.113.0/24", "2001:db8:1::/48"); null when unknown. */
export function clientNetwork(request: Request): string | null {
  const address = clientAddresses.get(request);
  if (!address) return null;
  // Loopback is one machine, not a network: say so rather than "::/48".
  if (address === '::1' || /^(?:::ffff:)?127\./.test(address)) return 'localhost';
  const v4 = /^(?:::ffff:)?(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.\d{1,3}$/.exec(address);
  // /24 and /48: enough to recognise a network in the admin panel without identifying a person.
  if (v4) return `${v4[1]}.${v4[2]}.${v4[3]}.0/24`;
  if (address.includes(':')) {
    const groups = address.split('::')[0]!.split(':').slice(0, 3).filter(Boolean);
    return `${groups.join(':')}::/48`;
  }
  return null;
}

/** "Firefox on Linux"-style summary of the User-Agent header; null when absent. */
export function summarizeUserAgent(request: Request): string | null {
  const ua = request.headers.get('user-agent');
  if (!ua) return null;
  const browser =
    /Edg\//.test(ua) ? 'Edge' :
    /Firefox\//.test(ua) ? 'Firefox' :
    /Chrom(e|ium)\//.test(ua) ? 'Chrome' :
    /Safari\//.test(ua) ? 'Safari' :
    /^curl\//.test(ua) ? 'curl' :
    /^node|undici/i.test(ua) ? 'Node.js' : 'Other browser';
  const os =
    /Android/.test(ua) ? 'Android' :
    /iPhone|iPad|iOS/.test(ua) ? 'iOS' :
    /Windows/.test(ua) ? 'Windows' :
    /Mac OS X|Macintosh/.test(ua) ? 'macOS' :
    /Linux|X11/.test(ua) ? 'Linux' : null;
  return os ? `${browser} on ${os}` : browser;
}

/** The request fields every auth audit event carries. */
export function requestFields(request: Request): Pick<AuditEvent, 'ip' | 'userAgent'> {
  const ip = clientNetwork(request);
  const userAgent = summarizeUserAgent(request);
  return { ...(ip ? { ip } : {}), ...(userAgent ? { userAgent } : {}) };
}

/** Who an event is about: the user's id, their email when known, and the session when there is one. */
export function userFields(user: AuthUser, sessionId?: string): Pick<AuditEvent, 'sub' | 'email' | 'sessionId'> {
  return { sub: user.sub, ...(user.email ? { email: user.email } : {}), ...(sessionId ? { sessionId } : {}) };
}
