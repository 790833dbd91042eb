/**
 * No audit entry lost to a store outage: {@link SpoolingAuditLog} wraps an audit log; an event the
 * log cannot take is appended to a bounded local spool file (JSON lines, under the data
 * directory), and while the spool holds anything new events queue behind it, so the order stays.
 * Every `retryMs` the spool is replayed, oldest first; each replayed event carries
 * `detail.delayedSeconds` (the admin panel shows it) and `detail.spoolId`, and is skipped when the
 * log already holds it — after a crash between a write and the spool's rewrite, or when the first
 * attempt's outcome was unknown (a timeout after the statement was sent) — so nothing is doubled.
 */
import { randomUUID } from 'node:crypto';
import { constants } from 'node:fs';
import { access, appendFile, mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { classifyStoreError } from './guard.ts';
import { fsProblem } from './sqlite-database.ts';
import type { AuditEvent, AuditLog, AuditQuery, StoredAuditEvent } from '../types.ts';

/** One spooled event. */
interface SpoolEntry {
  id: string;
  spooledAt: number;
  /** The first write may have reached the store (a timeout, a lost connection): check content too. */
  ambiguous: boolean;
  event: AuditEvent & { at: number };
}

/** What the spool holds right now (readiness, the admin panel, logs). */
export interface SpoolStatus {
  /** Events waiting in the spool file. */
  pending: number;
  bytes: number;
  /** Events dropped since start because the spool was full or could not be written. */
  lost: number;
  /** Epoch ms of the oldest waiting event. */
  oldestAt: number | null;
}

/** Options of {@link SpoolingAuditLog.open}. */
export interface AuditSpoolOptions {
  /** The spool file, e.g. `<data dir>/audit-spool.jsonl`; created only when first needed. */
  path: string;
  /** Largest spool file; events beyond it are lost (counted, logged). */
  maxBytes: number;
  /** Pause between replay attempts while the spool holds events. */
  retryMs: number;
  /** Told about spooled, replayed and lost events (never their contents beyond type and count). */
  logger?: { info(obj: object, msg?: string): void; warn(obj: object, msg?: string): void; error(obj: object, msg?: string): void };
  /** Told when events are lost, by how many. */
  onLost?: (count: number) => void;
  now?: () => number;
}

// Detail keys the spool adds; not part of the event's own content when comparing.
const MARKERS = new Set(['spoolId', 'delayedSeconds']);
// Outcomes of a failed first write under which the statement may still have committed.
const AMBIGUOUS = new Set(['store_timeout', 'store_unreachable', 'store_error']);

function sameEvent(stored: StoredAuditEvent, event: AuditEvent & { at: number }): boolean {
  const fields = ['type', 'result', 'reason', 'sub', 'email', 'sessionId', 'ip', 'userAgent'] as const;
  if (stored.at !== event.at || fields.some((field) => stored[field] !== event[field])) return false;
  const strip = (detail: AuditEvent['detail']) => JSON.stringify(Object.entries(detail ?? {}).filter(([key]) => !MARKERS.has(key)).sort());
  return strip(stored.detail) === strip(event.detail);
}

/** An {@link AuditLog} that spools what the wrapped log cannot take and replays it when it can. */
export class SpoolingAuditLog implements AuditLog {
  readonly #log: AuditLog;
  readonly #options: AuditSpoolOptions;
  readonly #now: () => number;
  // Appends and rewrites of the spool file, one at a time, in order.
  #io: Promise<unknown> = Promise.resolve();
  #pending = 0;
  #bytes = 0;
  #oldestAt: number | null = null;
  #lost = 0;
  #replaying: Promise<void> | null = null;
  #timer: NodeJS.Timeout | null = null;
  #closed = false;

  private constructor(log: AuditLog, options: AuditSpoolOptions) {
    this.#log = log;
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  /** Wraps `log`; a spool left by an earlier run is counted and replayed from now on. */
  static async open(log: AuditLog, options: AuditSpoolOptions): Promise<SpoolingAuditLog> {
    const spool = new SpoolingAuditLog(log, options);
    try {
      await mkdir(dirname(options.path), { recursive: true });
      await access(dirname(options.path), constants.W_OK);
    } catch (error) {
      // Not fatal (the audit store may never fail), but said at start, with the path and the fix.
      options.logger?.error({ path: options.path, problem: fsProblem(error) }, 'audit spool unavailable: its directory is not writable, so audit events written during a store outage would be lost; mount a writable volume at GATEHOUSE_DATA_DIR');
    }
    const entries = await spool.#read().catch((error: unknown) => {
      options.logger?.error({ path: options.path, problem: fsProblem(error) }, 'audit spool from an earlier run cannot be read; it is left as it is');
      return [];
    });
    spool.#count(entries);
    if (entries.length > 0) {
      options.logger?.warn({ pending: entries.length, path: options.path }, 'audit spool from an earlier run: replaying it');
      spool.#schedule(0);
    }
    return spool;
  }

  /** Counts, bytes and the oldest waiting event. */
  status(): SpoolStatus {
    return { pending: this.#pending, bytes: this.#bytes, lost: this.#lost, oldestAt: this.#oldestAt };
  }

  async record(event: AuditEvent): Promise<void> {
    const stamped = { ...event, at: event.at ?? this.#now() };
    // While anything waits in the spool, new events wait behind it: the log keeps their order.
    if (this.#pending === 0) {
      try {
        await this.#log.record(stamped);
        return;
      } catch (error) {
        await this.#spool(stamped, AMBIGUOUS.has(classifyStoreError(error)), error);
        return;
      }
    }
    await this.#spool(stamped, false, null);
  }

  query(query?: AuditQuery): Promise<StoredAuditEvent[]> {
    return this.#log.query(query);
  }

  countByDay(...args: Parameters<AuditLog['countByDay']>): ReturnType<AuditLog['countByDay']> {
    return this.#log.countByDay(...args);
  }

  countFailuresByReason(since: number): ReturnType<AuditLog['countFailuresByReason']> {
    return this.#log.countFailuresByReason(since);
  }

  /** One replay attempt now (the drain calls it before closing the stores); what fails stays spooled. */
  async flush(): Promise<void> {
    if (this.#pending > 0) await this.#replay();
  }

  /** Stops replaying and closes the wrapped log; the spool file stays for the next start. */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    await this.#replaying;
    await this.#io;
    await this.#log.close();
  }

  async #spool(event: AuditEvent & { at: number }, ambiguous: boolean, cause: unknown): Promise<void> {
    const entry: SpoolEntry = { id: randomUUID(), spooledAt: this.#now(), ambiguous, event };
    const line = `${JSON.stringify(entry)}\n`;
    const size = Buffer.byteLength(line);
    const appended = this.#serial(async () => {
      if (this.#bytes + size > this.#options.maxBytes) throw Object.assign(new Error('audit spool full'), { code: 'SPOOL_FULL' });
      await mkdir(dirname(this.#options.path), { recursive: true });
      await appendFile(this.#options.path, line, { mode: 0o600 });
      this.#pending += 1;
      this.#bytes += size;
      this.#oldestAt ??= event.at;
    });
    try {
      await appended;
    } catch (error) {
      this.#lost += 1;
      this.#options.onLost?.(1);
      const code = (error as { code?: unknown }).code;
      this.#options.logger?.error({ auditType: event.type, path: this.#options.path, error: typeof code === 'string' ? code : 'unwritable', lost: this.#lost }, 'audit event lost: the store failed and the spool could not keep it (free space or fix GATEHOUSE_DATA_DIR)');
      throw error;
    }
    if (this.#pending === 1) {
      this.#options.logger?.warn({ auditType: event.type, cause: cause ? classifyStoreError(cause) : 'queued', path: this.#options.path }, 'audit store failed: events are spooled and will be written when it is back');
    }
    this.#schedule(this.#options.retryMs);
  }

  #serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#io.then(work, work);
    this.#io = run.catch(() => {});
    return run;
  }

  #schedule(delayMs: number): void {
    if (this.#closed || this.#timer) return;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      void this.#replay().finally(() => {
        if (this.#pending > 0) this.#schedule(this.#options.retryMs);
      });
    }, delayMs);
    this.#timer.unref();
  }

  #replay(): Promise<void> {
    this.#replaying ??= this.#replayOnce().finally(() => {
      this.#replaying = null;
    });
    return this.#replaying;
  }

  async #replayOnce(): Promise<void> {
    const entries = await this.#serial(() => this.#read());
    const done = new Set<string>();
    let written = 0;
    try {
      for (const entry of entries) {
        if (!(await this.#stored(entry))) {
          const delayedSeconds = Math.max(0, Math.round((this.#now() - entry.event.at) / 1000));
          await this.#log.record({ ...entry.event, detail: { ...entry.event.detail, spoolId: entry.id, delayedSeconds } });
          written += 1;
        }
        done.add(entry.id);
      }
    } catch {
      // The store is still failing: what is done is taken out below, the rest waits for the next try.
    }
    if (done.size === 0) return;
    await this.#serial(async () => {
      // Entries appended during the replay are kept, after the ones still waiting.
      const rest = (await this.#read()).filter((entry) => !done.has(entry.id));
      const tmp = `${this.#options.path}.tmp`;
      await writeFile(tmp, rest.map((entry) => `${JSON.stringify(entry)}\n`).join(''), { mode: 0o600 });
      await rename(tmp, this.#options.path);
      this.#count(rest);
      this.#bytes = (await stat(this.#options.path)).size;
    });
    this.#options.logger?.info({ written, skippedAsDuplicates: done.size - written, pending: this.#pending }, this.#pending === 0 ? 'audit spool replayed: every delayed event is in the audit log' : 'audit spool partly replayed');
  }

  /** Whether the log already holds `entry`: by its spool id, or (for an ambiguous first write) by content. */
  async #stored(entry: SpoolEntry): Promise<boolean> {
    const candidates = await this.#log.query({ type: entry.event.type, since: entry.event.at, until: entry.event.at + 1, limit: 1000 });
    return candidates.some((stored) => stored.detail?.spoolId === entry.id || (entry.ambiguous && stored.detail?.spoolId === undefined && sameEvent(stored, entry.event)));
  }

  async #read(): Promise<SpoolEntry[]> {
    let text: string;
    try {
      text = await readFile(this.#options.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const entries: SpoolEntry[] = [];
    for (const line of text.split('\n')) {
      if (!line) continue;
      try {
        entries.push(JSON.parse(line) as SpoolEntry);
      } catch {
        // A line cut short by a crash mid-append: the event it held was never acknowledged as kept.
        this.#options.logger?.warn({ path: this.#options.path }, 'audit spool: skipped a truncated line');
      }
    }
    return entries;
  }

  #count(entries: SpoolEntry[]): void {
    this.#pending = entries.length;
    this.#oldestAt = entries[0]?.event.at ?? null;
    this.#bytes = entries.reduce((sum, entry) => sum + Buffer.byteLength(`${JSON.stringify(entry)}\n`), 0);
  }
}
