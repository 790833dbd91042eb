/**
 * Sessions across regions on PostgreSQL (`DATABASE_URL` = the primary, `DATABASE_READ_URL` = this
 * region's streaming replica); see docs/decisions/007-multi-region-sessions.md.
 *
 * - Reads (`get`, `list`, `count`) go to the replica. A `get` that misses there (replication lag
 *   after a sign-in in another region) is asked again of the primary before it is refused.
 * - Writes (sessions, login transactions, leases) go to the primary only.
 * - Revocations never wait for the replica: every instance hears them on the session-event bus
 *   (LISTEN/NOTIFY on the primary) and keeps a tombstone, so a revoked id is refused at once and a
 *   user whose sessions ended or whose roles changed is read from the primary for a while.
 * - After any gap in what the bus could tell us (start-up, a bus reconnect, the primary coming
 *   back), the replica is fenced: reads go to the primary until the replica has replayed the WAL
 *   up to the primary's position at that moment, so nothing revoked during the gap is served.
 * - Without the primary, the region is read-only: existing sessions are served from the replica
 *   (for at most {@link READ_ONLY_WINDOW_MS}), the sliding expiry is not moved, and every write —
 *   a new sign-in included — fails, which the web layer answers with a "try again" 503. A probe
 *   notices the primary coming back and the region returns to normal by itself.
 */
import type pg from 'pg';
import type { SessionEventBus } from '../events/bus.ts';
import type { AuthStore, LoginTransaction, SessionListQuery, SessionRecord } from '../types.ts';

type Store = AuthStore;

// 15 min: how long a region cut off from the primary keeps serving existing sessions from its
// replica. Revocations made in other regions meanwhile reach it only when it reconnects, so this
// bounds how long a session revoked elsewhere can outlive its revocation in a partitioned region.
export const READ_ONLY_WINDOW_MS = 15 * 60_000;
// 10 min: a tombstone outlives any replica lag we would still call a working replica.
const TOMBSTONE_MS = 10 * 60_000;
// 2 s between probes of both servers: a lost (or recovered) primary is noticed within that.
const PROBE_INTERVAL_MS = 2000;
// 100 ms: a fenced replica's replay position is asked at most this often, not once per request.
const FENCE_CHECK_MS = 100;

/** What `/readyz` and the bench read about a regional store. */
export interface RegionalHealth {
  primary: 'ok' | 'failing';
  /** `lagging` while fenced (reads go to the primary until it catches up). */
  replica: 'ok' | 'failing' | 'lagging';
  /** `read-only` while the primary is unreachable. */
  mode: 'read-write' | 'read-only';
}

/** Counters of where reads went (the bench prints them as the read load on the primary). */
export interface RegionalStats {
  /** `get`s answered by the replica. */
  replicaReads: number;
  /** `get`s the primary answered (replica miss, fence, tombstoned user, replica down). */
  primaryReads: number;
  /** Writes sent to the primary (sessions, touches, login transactions, leases). */
  primaryWrites: number;
  /** Probe and fence queries sent to the primary. */
  primaryControlQueries: number;
}

/** What {@link RegionalSessionStore} is built from (opened by `openStores`). */
export interface RegionalParts {
  /** The store on `DATABASE_URL`. */
  primary: Store;
  /** The same tables, read through `DATABASE_READ_URL` (opened without creating anything). */
  replica: Store;
  /** One small pool per server for the probes and WAL positions. */
  control: { primary: pg.Pool; replica: pg.Pool };
  /** Told about failures the store absorbs (a touch skipped, a replica read that fell back). */
  onError?: (error: unknown, what: string) => void;
  /** Told when the health changes (a log line). */
  onHealthChange?: (health: RegionalHealth) => void;
  now?: () => number;
  /** Between probes, in ms (default 2000); tests that drive `probe()` themselves set it high. */
  probeIntervalMs?: number;
}

/** Sessions read from this region's replica and written to the primary. */
export class RegionalSessionStore implements Store {
  readonly stats: RegionalStats = { replicaReads: 0, primaryReads: 0, primaryWrites: 0, primaryControlQueries: 0 };
  readonly #parts: RegionalParts;
  readonly #now: () => number;
  readonly #endedIds = new Map<string, number>();
  readonly #changedUsers = new Map<string, number>();
  #primaryUp = true;
  #primaryLastOk: number;
  #replicaUp = true;
  /** Primary WAL position the replica must reach before it is trusted; `'unknown'` until asked. */
  #fence: string | null = 'unknown';
  #fenceCheckedAt = 0;
  #health: RegionalHealth = { primary: 'ok', replica: 'lagging', mode: 'read-write' };
  #probe: ReturnType<typeof setInterval>;
  #unsubscribe: Array<() => void> = [];

  constructor(parts: RegionalParts) {
    this.#parts = parts;
    this.#now = parts.now ?? Date.now;
    this.#primaryLastOk = this.#now();
    this.#probe = setInterval(() => void this.probe(), parts.probeIntervalMs ?? PROBE_INTERVAL_MS);
    this.#probe.unref();
  }

  /**
   * Hears revocations and role changes on `events` (they become tombstones) and fences the replica
   * whenever the bus reconnects, because notifications sent while it was away are lost.
   */
  listen(events: SessionEventBus): void {
    this.#unsubscribe.push(events.subscribe((event) => {
      if (event.type === 'session.ended') for (const id of event.sessionIds) this.#endedIds.set(id, this.#now());
      else if (event.type === 'user.sessions.ended' || event.type === 'roles.changed') this.#changedUsers.set(event.sub, this.#now());
    }));
    this.#unsubscribe.push(events.onReconnect(() => void this.#setFence()));
  }

  /** Current health (also recomputed by every probe). */
  health(): RegionalHealth {
    return { ...this.#health };
  }

  /** Checks both servers now (the timer does it every 2 s); resolves to the new health. */
  async probe(): Promise<RegionalHealth> {
    const { control } = this.#parts;
    this.stats.primaryControlQueries++;
    const [primary, replica] = await Promise.allSettled([
      control.primary.query('SELECT 1'),
      control.replica.query<{ standby: boolean }>('SELECT pg_is_in_recovery() AS standby'),
    ]);
    const wasDown = !this.#primaryUp;
    this.#markPrimary(primary.status === 'fulfilled');
    this.#replicaUp = replica.status === 'fulfilled' && replica.value.rows[0]?.standby === true;
    // Back from an outage (or a partition): what was revoked meanwhile must replay first.
    if ((wasDown && this.#primaryUp) || (this.#primaryUp && this.#fence === 'unknown')) await this.#setFence();
    if (this.#replicaUp) await this.#checkFence();
    this.#updateHealth();
    // Tombstones of ids nobody presents again would otherwise stay forever.
    for (const map of [this.#endedIds, this.#changedUsers]) for (const [key, at] of map) if (this.#now() - at > TOMBSTONE_MS) map.delete(key);
    return this.health();
  }

  #markPrimary(ok: boolean): void {
    this.#primaryUp = ok;
    if (ok) this.#primaryLastOk = this.#now();
  }

  #updateHealth(): void {
    const next: RegionalHealth = {
      primary: this.#primaryUp ? 'ok' : 'failing',
      replica: !this.#replicaUp ? 'failing' : this.#fence !== null ? 'lagging' : 'ok',
      mode: this.#primaryUp ? 'read-write' : 'read-only',
    };
    if (next.primary !== this.#health.primary || next.replica !== this.#health.replica || next.mode !== this.#health.mode) {
      this.#health = next;
      this.#parts.onHealthChange?.(this.health());
    }
  }

  async #setFence(): Promise<void> {
    this.#fence = 'unknown';
    try {
      this.stats.primaryControlQueries++;
      // The insert position, not pg_current_wal_lsn() (written so far): with synchronous_commit off a
      // revocation's commit may still be in the WAL buffers, and the fence must lie beyond it.
      const { rows } = await this.#parts.control.primary.query<{ lsn: string }>('SELECT pg_current_wal_insert_lsn()::text AS lsn');
      this.#fence = rows[0]!.lsn;
      this.#fenceCheckedAt = 0;
    } catch (error) {
      this.#markPrimary(false);
      this.#parts.onError?.(error, 'fence');
    }
    this.#updateHealth();
  }

  /** Whether reads may go to the replica now. */
  async #replicaTrusted(): Promise<boolean> {
    if (!this.#replicaUp && this.#primaryUp) return false;
    if (!this.#primaryUp && this.#now() - this.#primaryLastOk > READ_ONLY_WINDOW_MS) return false;
    if (this.#fence === null) return true;
    if (this.#now() - this.#fenceCheckedAt < FENCE_CHECK_MS) return false;
    return this.#checkFence();
  }

  /** Whether the replica has replayed up to the fence (clearing it when so). */
  async #checkFence(): Promise<boolean> {
    const fence = this.#fence;
    if (fence === null) return true;
    if (fence === 'unknown') return false;
    this.#fenceCheckedAt = this.#now();
    try {
      const { rows } = await this.#parts.control.replica.query<{ ok: boolean | null }>('SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn AS ok', [fence]);
      if (rows[0]?.ok === true && this.#fence === fence) {
        this.#fence = null;
        this.#updateHealth();
      }
    } catch (error) {
      this.#parts.onError?.(error, 'fence check');
    }
    return this.#fence === null;
  }

  #recent(map: Map<string, number>, key: string): boolean {
    const at = map.get(key);
    if (at === undefined) return false;
    if (this.#now() - at <= TOMBSTONE_MS) return true;
    map.delete(key);
    return false;
  }

  /** Runs `read` on the replica when it may be trusted; `undefined` when it may not or failed. */
  async #fromReplica<T>(read: (store: Store) => Promise<T>): Promise<T | undefined> {
    if (!(await this.#replicaTrusted())) return undefined;
    try {
      // Up-ness is the probe's call (it also notices a promoted replica); a failure counts at once.
      return await read(this.#parts.replica);
    } catch (error) {
      this.#replicaUp = false;
      this.#parts.onError?.(error, 'replica read');
      this.#updateHealth();
      return undefined;
    }
  }

  /** Runs `write` on the primary, noting whether it answered. */
  async #onPrimary<T>(write: (store: Store) => Promise<T>, kind: 'read' | 'write' = 'write'): Promise<T> {
    if (kind === 'write') this.stats.primaryWrites++;
    try {
      const result = await write(this.#parts.primary);
      if (!this.#primaryUp) {
        this.#markPrimary(true);
        void this.#setFence();
      } else this.#markPrimary(true);
      return result;
    } catch (error) {
      if (isConnectionFailure(error)) {
        this.#markPrimary(false);
        this.#updateHealth();
      }
      throw error;
    }
  }

  async get(id: string): Promise<SessionRecord | null> {
    if (this.#recent(this.#endedIds, id)) return null;
    const fromReplica = await this.#fromReplica((store) => store.get(id));
    if (fromReplica && !this.#recent(this.#changedUsers, fromReplica.user.sub)) {
      this.stats.replicaReads++;
      return fromReplica;
    }
    // A miss (lag after a sign-in elsewhere), an untrusted replica, or a user whose sessions just
    // changed: the primary decides. Without it, only a clean replica answer may stand, and a
    // tombstoned user is refused rather than served from data that may predate the revocation.
    if (!this.#primaryUp && fromReplica !== undefined) return null;
    try {
      this.stats.primaryReads++;
      return await this.#onPrimary((store) => store.get(id), 'read');
    } catch (error) {
      if (fromReplica === undefined) throw error;
      return null;
    }
  }

  async touch(id: string, lastSeenAt: number, expiresAt: number): Promise<void> {
    // Read-only region: the session stays valid until its current expiry; nothing to write it to.
    if (!this.#primaryUp) return;
    try {
      await this.#onPrimary((store) => store.touch(id, lastSeenAt, expiresAt));
    } catch (error) {
      this.#parts.onError?.(error, 'touch');
    }
  }

  async list(query?: SessionListQuery): Promise<SessionRecord[]> {
    const fromReplica = await this.#fromReplica((store) => store.list(query));
    // A user whose sessions just changed may be listed stale by the replica: the primary lists then.
    const stale = fromReplica?.some((session) => this.#recent(this.#changedUsers, session.user.sub)) ?? true;
    const rows = fromReplica !== undefined && !(stale && this.#primaryUp) ? fromReplica : await this.#onPrimary((store) => store.list(query), 'read');
    return rows.filter((session) => !this.#recent(this.#endedIds, session.id));
  }

  async count(now?: number): Promise<number> {
    return (await this.#fromReplica((store) => store.count(now))) ?? (await this.#onPrimary((store) => store.count(now), 'read'));
  }

  create(session: SessionRecord): Promise<void> {
    return this.#onPrimary((store) => store.create(session));
  }

  async update(session: SessionRecord): Promise<void> {
    await this.#onPrimary((store) => store.update(session));
    this.#changedUsers.set(session.user.sub, this.#now());
  }

  async delete(id: string): Promise<void> {
    await this.#onPrimary((store) => store.delete(id));
    this.#endedIds.set(id, this.#now());
  }

  async deleteByUser(sub: string): Promise<number> {
    const count = await this.#onPrimary((store) => store.deleteByUser(sub));
    this.#changedUsers.set(sub, this.#now());
    return count;
  }

  purgeExpired(now?: number): Promise<number> {
    return this.#onPrimary((store) => store.purgeExpired(now));
  }

  putTransaction(tx: LoginTransaction): Promise<void> {
    return this.#onPrimary((store) => store.putTransaction(tx));
  }

  takeTransaction(state: string): Promise<LoginTransaction | null> {
    return this.#onPrimary((store) => store.takeTransaction(state));
  }

  acquireLease(key: string, holder: string, ttlMs: number): Promise<boolean> {
    return this.#onPrimary((store) => store.acquireLease(key, holder, ttlMs));
  }

  releaseLease(key: string, holder: string): Promise<void> {
    return this.#onPrimary((store) => store.releaseLease(key, holder));
  }

  /** True while existing sessions can be served: the primary answers, or the replica does (read-only). */
  async ping(): Promise<boolean> {
    const health = await this.probe();
    return health.primary === 'ok' || (health.replica !== 'failing' && this.#now() - this.#primaryLastOk <= READ_ONLY_WINDOW_MS);
  }

  async close(): Promise<void> {
    clearInterval(this.#probe);
    for (const unsubscribe of this.#unsubscribe.splice(0)) unsubscribe();
    const { primary, replica, control } = this.#parts;
    await Promise.allSettled([primary.close(), replica.close(), control.primary.end(), control.replica.end()]);
  }
}

/** Whether `error` means the server could not be reached (not that it refused a statement). */
function isConnectionFailure(error: unknown): boolean {
  for (let err = error, depth = 0; err && depth < 5; err = (err as { cause?: unknown }).cause, depth++) {
    const { code, message, reason } = err as { code?: unknown; message?: unknown; reason?: unknown };
    // A StoreUnavailableError of the per-server guard (`guard.ts`), its breaker open included.
    if (typeof reason === 'string' && /^store_(unreachable|timeout|circuit_open)$/.test(reason)) return true;
    if (typeof code === 'string' && (/^(ECONN|EHOST|ENET|ETIMEDOUT|EPIPE|ENOTFOUND|EAI_AGAIN)/.test(code) || /^08|^57P0/.test(code))) return true;
    if (typeof message === 'string' && /Connection terminated|timeout exceeded when trying to connect|Query read timeout/i.test(message)) return true;
  }
  return false;
}

/** What a server says it is: a standby (in recovery), read-only, and which cluster (`system_identifier`). */
export interface ServerRole {
  standby: boolean;
  readOnly: boolean;
  /** `null` when the role may not read `pg_control_system()`. */
  system: string | null;
}

/** Asks a server what it is (see {@link ServerRole}). */
export async function inspectServer(pool: pg.Pool): Promise<ServerRole> {
  const { rows } = await pool.query<{ standby: boolean; ro: string }>("SELECT pg_is_in_recovery() AS standby, current_setting('transaction_read_only') AS ro");
  let system: string | null = null;
  try {
    system = (await pool.query<{ system: string }>('SELECT system_identifier::text AS system FROM pg_control_system()')).rows[0]?.system ?? null;
  } catch {
    system = null; // not allowed for this role: the standby checks still hold
  }
  return { standby: rows[0]?.standby === true, readOnly: rows[0]?.ro === 'on', system };
}

/**
 * The start-up checks of a primary/replica pair: the primary must accept writes, the replica must be
 * a standby, and both must be the same cluster. Each problem names the variable and the fix.
 */
export function checkRegionalRoles(primary: ServerRole, replica: ServerRole): Array<{ field: 'DATABASE_URL' | 'DATABASE_READ_URL'; message: string }> {
  const issues: Array<{ field: 'DATABASE_URL' | 'DATABASE_READ_URL'; message: string }> = [];
  if (primary.standby) issues.push({ field: 'DATABASE_URL', message: 'DATABASE_URL points at a standby (pg_is_in_recovery() is true): it must be the primary, where sessions are written; put the replica in DATABASE_READ_URL' });
  else if (primary.readOnly) issues.push({ field: 'DATABASE_URL', message: 'DATABASE_URL points at a read-only server (default_transaction_read_only is on): Gatehouse writes sessions there; point it at the writable primary' });
  if (!replica.standby) {
    const same = primary.system !== null && primary.system === replica.system;
    issues.push({ field: 'DATABASE_READ_URL', message: `DATABASE_READ_URL points at a server that accepts writes (${same ? 'the primary itself' : 'not a standby'}): it must be this region's streaming replica of DATABASE_URL, or unset` });
  } else if (primary.system !== null && replica.system !== null && primary.system !== replica.system) {
    issues.push({ field: 'DATABASE_READ_URL', message: 'DATABASE_READ_URL is a standby of another cluster than DATABASE_URL (system identifiers differ): point it at a replica of the primary' });
  }
  return issues;
}
