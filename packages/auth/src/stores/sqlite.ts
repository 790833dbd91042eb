/**
 * The embedded default stores on SQLite: sessions, login transactions and leases (`auth_sessions`,
 * `auth_login_transactions`, `auth_leases`), and the audit log (`auth_audit_events`, see `sqlite-audit.ts`).
 * All statements are prepared once; `get` is a primary-key lookup, per-user operations use an index.
 */
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { LeaseStore, LoginTransaction, SessionListQuery, SessionRecord, SessionStore, TransactionStore } from '../types.ts';
import { leaseTtl } from './shared/lease.ts';
import { pageBounds } from './shared/paging.ts';
import { SESSION_COLUMNS, SESSION_UPDATE_COLUMNS, sessionFromRow, sessionSchemaSql, sessionToRow, sessionUpdateRow, type SessionRow } from './shared/session-rows.ts';
import { openSqlite } from './sqlite-database.ts';

export { SqliteAuditLog } from './sqlite-audit.ts';
export { openSqlite, sqlitePath } from './sqlite-database.ts';

const COLUMNS = SESSION_COLUMNS.join(', ');
// Named parameters carry the column names, so the row objects of `shared/session-rows.ts` bind as they are.
const VALUES = SESSION_COLUMNS.map((name) => `:${name}`).join(', ');
const UPDATES = SESSION_UPDATE_COLUMNS.map((name) => `${name} = :${name}`).join(', ');
const LIVE = 'expires_at > :now AND absolute_expires_at > :now';

/** Sessions and login transactions in SQLite (`node:sqlite`, WAL). */
export class SqliteSessionStore implements SessionStore, TransactionStore, LeaseStore {
  readonly #db: DatabaseSync;
  readonly #statements: Record<
    'insert' | 'get' | 'touch' | 'update' | 'delete' | 'deleteByUser' | 'list' | 'listByUser' | 'count' | 'purge' | 'purgeTransactions' | 'putTransaction' | 'takeTransaction' | 'acquireLease' | 'releaseLease' | 'purgeLeases' | 'ping',
    StatementSync
  >;
  #closed = false;

  private constructor(db: DatabaseSync) {
    this.#db = db;
    db.exec(sessionSchemaSql('', 'sqlite'));
    const prepare = (sql: string) => db.prepare(sql);
    this.#statements = {
      insert: prepare(`INSERT INTO auth_sessions (${COLUMNS}) VALUES (${VALUES})`),
      get: prepare(`SELECT ${COLUMNS} FROM auth_sessions WHERE id = ?`),
      touch: prepare('UPDATE auth_sessions SET last_seen_at = ?, expires_at = ? WHERE id = ?'),
      update: prepare(`UPDATE auth_sessions SET ${UPDATES} WHERE id = :id`),
      delete: prepare('DELETE FROM auth_sessions WHERE id = ?'),
      deleteByUser: prepare('DELETE FROM auth_sessions WHERE sub = ?'),
      list: prepare(`SELECT ${COLUMNS} FROM auth_sessions WHERE ${LIVE} ORDER BY created_at DESC, id DESC LIMIT :limit OFFSET :offset`),
      listByUser: prepare(`SELECT ${COLUMNS} FROM auth_sessions WHERE sub = :sub AND ${LIVE} ORDER BY created_at DESC, id DESC LIMIT :limit OFFSET :offset`),
      count: prepare(`SELECT COUNT(*) AS count FROM auth_sessions WHERE ${LIVE}`),
      purge: prepare('DELETE FROM auth_sessions WHERE expires_at <= :now OR absolute_expires_at <= :now'),
      purgeTransactions: prepare('DELETE FROM auth_login_transactions WHERE expires_at <= ?'),
      putTransaction: prepare('INSERT OR REPLACE INTO auth_login_transactions (state, data, expires_at) VALUES (?, ?, ?)'),
      // DELETE … RETURNING is one atomic statement: of two concurrent callbacks (even from two
      // processes on the same file), exactly one gets the transaction.
      takeTransaction: prepare('DELETE FROM auth_login_transactions WHERE state = ? RETURNING data'),
      // One upsert under SQLite's write lock: it writes (changes = 1) only when the lease is new,
      // expired or already this holder's, so of two connections (or processes) exactly one wins.
      acquireLease: prepare(
        `INSERT INTO auth_leases (name, holder, expires_at) VALUES (:name, :holder, :expires_at)
         ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
         WHERE auth_leases.expires_at <= :now OR auth_leases.holder = excluded.holder`,
      ),
      releaseLease: prepare('DELETE FROM auth_leases WHERE name = ? AND holder = ?'),
      purgeLeases: prepare('DELETE FROM auth_leases WHERE expires_at <= ?'),
      ping: prepare('SELECT 1 AS ok'),
    };
  }

  /** Opens (creating if needed) the store at a `file:` URL; `file::memory:` for a private in-memory one. */
  static open(databaseUrl: string): SqliteSessionStore {
    return new SqliteSessionStore(openSqlite(databaseUrl));
  }

  async create(session: SessionRecord): Promise<void> {
    this.#statements.insert.run(sessionToRow(session));
  }

  async get(id: string): Promise<SessionRecord | null> {
    const row = this.#statements.get.get(id) as SessionRow | undefined;
    return row ? sessionFromRow(row) : null;
  }

  async touch(id: string, lastSeenAt: number, expiresAt: number): Promise<void> {
    this.#statements.touch.run(lastSeenAt, expiresAt, id);
  }

  async update(session: SessionRecord): Promise<void> {
    this.#statements.update.run(sessionUpdateRow(session));
  }

  async delete(id: string): Promise<void> {
    this.#statements.delete.run(id);
  }

  async deleteByUser(sub: string): Promise<number> {
    return Number(this.#statements.deleteByUser.run(sub).changes);
  }

  async list(query: SessionListQuery = {}): Promise<SessionRecord[]> {
    const { limit, offset } = pageBounds(query.limit, query.offset);
    const now = Date.now();
    const rows = query.sub === undefined
      ? this.#statements.list.all({ now, limit, offset })
      : this.#statements.listByUser.all({ sub: query.sub, now, limit, offset });
    return (rows as unknown as SessionRow[]).map(sessionFromRow);
  }

  async count(now = Date.now()): Promise<number> {
    return Number((this.#statements.count.get({ now }) as { count: number }).count);
  }

  async purgeExpired(now = Date.now()): Promise<number> {
    this.#statements.purgeTransactions.run(now);
    // Leases run on the store's own clock, never the caller's `now`: purging a live one would let
    // a second holder in.
    this.#statements.purgeLeases.run(Date.now());
    return Number(this.#statements.purge.run({ now }).changes);
  }

  async putTransaction(tx: LoginTransaction): Promise<void> {
    this.#statements.putTransaction.run(tx.state, JSON.stringify(tx), tx.expiresAt);
  }

  async takeTransaction(state: string): Promise<LoginTransaction | null> {
    const row = this.#statements.takeTransaction.get(state) as { data: string } | undefined;
    return row ? (JSON.parse(row.data) as LoginTransaction) : null;
  }

  async acquireLease(key: string, holder: string, ttlMs: number): Promise<boolean> {
    const ttl = leaseTtl(ttlMs);
    // Every instance on one file runs on the same machine, hence the same clock.
    const now = Date.now();
    return Number(this.#statements.acquireLease.run({ name: key, holder, expires_at: now + ttl, now }).changes) === 1;
  }

  async releaseLease(key: string, holder: string): Promise<void> {
    this.#statements.releaseLease.run(key, holder);
  }

  async ping(): Promise<boolean> {
    if (this.#closed) return false;
    try {
      return (this.#statements.ping.get() as { ok: number } | undefined)?.ok === 1;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#db.close();
  }
}
