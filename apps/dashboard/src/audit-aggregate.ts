/**
 * Unauthenticated requests must not be able to fill the audit log: repeated events nobody signed
 * in for (sign-ins started, failed callbacks, bad bearer tokens), from one client network with the
 * same type, result and reason, are written once per window; the rest of the window's repeats
 * become one aggregated row (`detail.repeated`) when the window ends, and a metric counts them.
 */
import type { AuditEvent, AuditLog } from './app-context.ts';

/** Event types an anonymous caller can cause at will. */
const ANONYMOUS_TYPES = new Set<AuditEvent['type']>(['signin.started', 'signin.failed', 'access.denied']);

// 60 s: one row a minute per client and reason is enough to see an attack and what it tried.
const DEFAULT_WINDOW_MS = 60_000;
// 10,000 distinct client/reason pairs a window: beyond that, the rest share one key per type and reason.
const MAX_KEYS = 10_000;

interface Pending {
  event: AuditEvent;
  windowStart: number;
  windowEnd: number;
  repeated: number;
  /** When the latest repeat happened: the aggregated row's time. */
  lastAt: number;
}

/** Options of {@link aggregateAnonymousRepeats}. */
export interface AggregateOptions {
  windowMs?: number;
  now?: () => number;
  /** Called for each event folded into an aggregated row (the metric). */
  onAggregated?: (event: AuditEvent) => void;
}

/** An audit log with a `flush` of the aggregated rows of windows still open (at shutdown). */
export type AggregatingAuditLog = AuditLog & { flush(): Promise<void> };

/**
 * Wraps `log`: the first anonymous event per client network, type, result and reason in a window
 * is recorded as is; the window's later ones only counted, then recorded as one row when the
 * window ends (checked at each event and once a window by an unref'd timer).
 */
export function aggregateAnonymousRepeats(log: AuditLog, options: AggregateOptions = {}): AggregatingAuditLog {
  const windowMs = options.windowMs ?? DEFAULT_WINDOW_MS;
  const now = options.now ?? Date.now;
  const open = new Map<string, Pending>();

  async function writeFinished(force: boolean): Promise<void> {
    const at = now();
    for (const [key, entry] of open) {
      if (!force && entry.windowEnd > at) continue;
      open.delete(key);
      if (entry.repeated === 0) continue;
      await log.record({
        ...entry.event,
        at: entry.lastAt,
        detail: { ...(entry.event.detail ?? {}), repeated: entry.repeated, windowSeconds: Math.round(windowMs / 1000) },
      });
    }
  }

  const timer = setInterval(() => {
    writeFinished(false).catch(() => undefined);
  }, windowMs);
  (timer as { unref?: () => void }).unref?.();

  return {
    async record(event) {
      if (event.sub !== undefined || !ANONYMOUS_TYPES.has(event.type)) return log.record(event);
      const at = event.at ?? now();
      let key = `${event.type}|${event.result}|${event.reason ?? ''}|${event.ip ?? ''}`;
      if (!open.has(key) && open.size >= MAX_KEYS) key = `${event.type}|${event.result}|${event.reason ?? ''}|*`;
      const entry = open.get(key);
      // Only repeats inside the window: an event recorded with an older time is not folded into it.
      if (entry && at >= entry.windowStart && at < entry.windowEnd) {
        entry.repeated += 1;
        entry.lastAt = Math.max(entry.lastAt, at);
        options.onAggregated?.(event);
        return;
      }
      // An event with a time outside a window still open (recorded late): as is, the window stays.
      if (entry && entry.windowEnd > now()) return log.record(event);
      await writeFinished(false);
      // Only what every repeat shares is kept for the aggregated row (no per-request detail).
      open.set(key, { event: { type: event.type, result: event.result, ...(event.reason ? { reason: event.reason } : {}), ...(key.endsWith('|*') || !event.ip ? {} : { ip: event.ip }) }, windowStart: at, windowEnd: at + windowMs, repeated: 0, lastAt: at });
      return log.record(event);
    },
    query: (query) => log.query(query),
    countByDay: (type, since) => log.countByDay(type, since),
    countFailuresByReason: (since) => log.countFailuresByReason(since),
    ...(log.purgeBefore ? { purgeBefore: (cutoff: number) => log.purgeBefore!(cutoff) } : {}),
    flush: () => writeFinished(true),
    async close() {
      clearInterval(timer);
      await writeFinished(true).catch(() => undefined);
      await log.close();
    },
  };
}
