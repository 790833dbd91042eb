import { auditFields } from './shared/audit-fields.ts';
import { auditLimit } from './shared/paging.ts';
import type { AuditEvent, AuditEventType, AuditLog, AuditQuery, StoredAuditEvent } from '../types.ts';

// Binary order, like SQLite's default collation, so both logs sort identically.
const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** UTC calendar day (`YYYY-MM-DD`) of an epoch-ms instant. */
export function utcDay(at: number): string {
  return new Date(at).toISOString().slice(0, 10);
}

/**
 * The audit log in an array, for unit tests and demos; same semantics as {@link SqliteAuditLog}:
 * newest first, keyset pagination on `id` (`before`), `since` inclusive, `until` exclusive.
 */
export class MemoryAuditLog implements AuditLog {
  readonly #events: StoredAuditEvent[] = [];
  #nextId = 1;

  async record(event: AuditEvent): Promise<void> {
    this.#events.push({ id: this.#nextId++, ...auditFields(event, event.at ?? Date.now()) });
  }

  async query(query: AuditQuery = {}): Promise<StoredAuditEvent[]> {
    const matches: StoredAuditEvent[] = [];
    const limit = auditLimit(query.limit);
    for (let i = this.#events.length - 1; i >= 0 && matches.length < limit; i--) {
      const event = this.#events[i]!;
      if (query.before !== undefined && event.id >= query.before) continue;
      if (query.sub !== undefined && event.sub !== query.sub) continue;
      if (query.email !== undefined && event.email !== query.email) continue;
      if (query.type !== undefined && event.type !== query.type) continue;
      if (query.result !== undefined && event.result !== query.result) continue;
      if (query.since !== undefined && event.at < query.since) continue;
      if (query.until !== undefined && event.at >= query.until) continue;
      matches.push(structuredClone(event));
    }
    return matches;
  }

  async countByDay(type: AuditEventType, since: number): Promise<Array<{ day: string; result: 'success' | 'failure'; count: number }>> {
    const counts = new Map<string, { day: string; result: 'success' | 'failure'; count: number }>();
    for (const event of this.#events) {
      if (event.type !== type || event.at < since) continue;
      const day = utcDay(event.at);
      const key = `${day}|${event.result}`;
      const entry = counts.get(key) ?? { day, result: event.result, count: 0 };
      entry.count++;
      counts.set(key, entry);
    }
    return [...counts.values()].sort((a, b) => compare(a.day, b.day) || compare(a.result, b.result));
  }

  async countFailuresByReason(since: number): Promise<Array<{ reason: string; count: number }>> {
    const counts = new Map<string, number>();
    for (const event of this.#events) {
      if (event.result !== 'failure' || event.at < since) continue;
      const reason = event.reason ?? 'unknown';
      // An aggregated row stands for itself and the repeats folded into it.
      const repeated = typeof event.detail?.repeated === 'number' ? event.detail.repeated : 0;
      counts.set(reason, (counts.get(reason) ?? 0) + 1 + repeated);
    }
    return [...counts].map(([reason, count]) => ({ reason, count })).sort((a, b) => b.count - a.count || compare(a.reason, b.reason));
  }

  async purgeBefore(cutoff: number): Promise<number> {
    const kept = this.#events.filter((event) => event.at >= cutoff);
    const purged = this.#events.length - kept.length;
    this.#events.splice(0, this.#events.length, ...kept);
    return purged;
  }

  async close(): Promise<void> {}
}
