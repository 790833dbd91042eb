/**
 * In-memory stores for unit tests and single-process demos. They behave exactly like the durable
 * ones (the conformance suite, `testing/session-store-conformance.ts`, checks it) and hand out copies, so callers cannot mutate stored state.
 */
import type { LeaseStore, LoginTransaction, SessionListQuery, SessionRecord, SessionStore, TransactionStore } from '../types.ts';
import { isSessionExpired } from '../session/manager.ts';
import { leaseTtl } from './shared/lease.ts';
import { newestFirst, pageBounds } from './shared/paging.ts';

export { MemoryAuditLog } from './memory-audit.ts';

/** Sessions and login transactions in a `Map`, with a per-user index like the SQL stores. */
export class MemorySessionStore implements SessionStore, TransactionStore, LeaseStore {
  readonly #sessions = new Map<string, SessionRecord>();
  readonly #byUser = new Map<string, Set<string>>();
  readonly #transactions = new Map<string, LoginTransaction>();
  readonly #leases = new Map<string, { holder: string; expiresAt: number }>();
  #closed = false;

  #open(): void {
    if (this.#closed) throw new Error('MemorySessionStore is closed');
  }

  async create(session: SessionRecord): Promise<void> {
    this.#open();
    if (this.#sessions.has(session.id)) throw new Error('A session with this id already exists');
    this.#sessions.set(session.id, structuredClone(session));
    this.#index(session.user.sub, session.id);
  }

  #index(sub: string, id: string): void {
    let ids = this.#byUser.get(sub);
    if (!ids) this.#byUser.set(sub, (ids = new Set()));
    ids.add(id);
  }

  async get(id: string): Promise<SessionRecord | null> {
    this.#open();
    const session = this.#sessions.get(id);
    return session ? structuredClone(session) : null;
  }

  async touch(id: string, lastSeenAt: number, expiresAt: number): Promise<void> {
    this.#open();
    const session = this.#sessions.get(id);
    if (session) Object.assign(session, { lastSeenAt, expiresAt });
  }

  async update(session: SessionRecord): Promise<void> {
    this.#open();
    const stored = this.#sessions.get(session.id);
    if (!stored) return;
    const { user, roles, claims, tokens, accessTokenExpiresAt } = structuredClone(session);
    if (stored.user.sub !== user.sub) {
      this.#byUser.get(stored.user.sub)?.delete(stored.id);
      this.#index(user.sub, stored.id);
    }
    Object.assign(stored, { user, roles, claims, tokens, accessTokenExpiresAt });
  }

  async delete(id: string): Promise<void> {
    this.#open();
    this.#remove(id);
  }

  #remove(id: string): boolean {
    const session = this.#sessions.get(id);
    if (!session) return false;
    this.#sessions.delete(id);
    const ids = this.#byUser.get(session.user.sub);
    ids?.delete(id);
    if (ids?.size === 0) this.#byUser.delete(session.user.sub);
    return true;
  }

  async deleteByUser(sub: string): Promise<number> {
    this.#open();
    let deleted = 0;
    for (const id of [...(this.#byUser.get(sub) ?? [])]) if (this.#remove(id)) deleted++;
    return deleted;
  }

  async list(query: SessionListQuery = {}): Promise<SessionRecord[]> {
    this.#open();
    const now = Date.now();
    const { limit, offset } = pageBounds(query.limit, query.offset);
    const candidates = query.sub === undefined ? [...this.#sessions.values()] : [...(this.#byUser.get(query.sub) ?? [])].map((id) => this.#sessions.get(id)!);
    return candidates
      .filter((session) => !isSessionExpired(session, now))
      .sort(newestFirst)
      .slice(offset, offset + limit)
      .map((session) => structuredClone(session));
  }

  async count(now = Date.now()): Promise<number> {
    this.#open();
    let count = 0;
    for (const session of this.#sessions.values()) if (!isSessionExpired(session, now)) count++;
    return count;
  }

  async purgeExpired(now = Date.now()): Promise<number> {
    this.#open();
    let purged = 0;
    for (const session of [...this.#sessions.values()]) if (isSessionExpired(session, now) && this.#remove(session.id)) purged++;
    for (const [state, tx] of this.#transactions) if (now >= tx.expiresAt) this.#transactions.delete(state);
    // Leases run on the store's own clock, never the caller's `now`: purging a live one would let
    // a second holder in.
    const clock = Date.now();
    for (const [key, lease] of this.#leases) if (clock >= lease.expiresAt) this.#leases.delete(key);
    return purged;
  }

  async putTransaction(tx: LoginTransaction): Promise<void> {
    this.#open();
    this.#transactions.set(tx.state, structuredClone(tx));
  }

  async takeTransaction(state: string): Promise<LoginTransaction | null> {
    this.#open();
    // Synchronous get-and-delete: with one event loop, two concurrent takes cannot both see it.
    const tx = this.#transactions.get(state);
    if (!tx) return null;
    this.#transactions.delete(state);
    return tx;
  }

  async acquireLease(key: string, holder: string, ttlMs: number): Promise<boolean> {
    this.#open();
    const ttl = leaseTtl(ttlMs);
    const now = Date.now();
    // Synchronous check-and-set: with one event loop, two concurrent callers cannot both win.
    const lease = this.#leases.get(key);
    if (lease && lease.holder !== holder && now < lease.expiresAt) return false;
    this.#leases.set(key, { holder, expiresAt: now + ttl });
    return true;
  }

  async releaseLease(key: string, holder: string): Promise<void> {
    this.#open();
    if (this.#leases.get(key)?.holder === holder) this.#leases.delete(key);
  }

  async ping(): Promise<boolean> {
    return !this.#closed;
  }

  async close(): Promise<void> {
    this.#closed = true;
  }
}
