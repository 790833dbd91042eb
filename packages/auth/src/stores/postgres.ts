/**
 * Sessions, login transactions and leases in PostgreSQL (`DATABASE_URL=postgres://…`), for
 * deployments with several instances. Same tables as SQLite (`auth_sessions`,
 * `auth_login_transactions`, `auth_leases`, same indexes), created if absent; every query is
 * parameterised; `get` is a primary-key lookup.
 * The audit log is in `postgres-audit.ts`; reads from a regional replica in `postgres-regional.ts`.
 */
import type pg from 'pg';
import type { LeaseStore, LoginTransaction, SessionListQuery, SessionRecord, SessionStore, TransactionStore } from '../types.ts';
import { leaseTtl } from './shared/lease.ts';
import { pageBounds } from './shared/paging.ts';
import { openPostgresPool, openReadOnlyPool, type PostgresStoreOptions } from './postgres-pool.ts';
import { SESSION_COLUMNS, SESSION_UPDATE_COLUMNS, sessionFromRow, sessionSchemaSql, sessionToRow, sessionUpdateRow, type SessionRow } from './shared/session-rows.ts';

export { PostgresAuditLog } from './postgres-audit.ts';
export { openPostgresPool, type PostgresStoreOptions } from './postgres-pool.ts';

// `user` is a reserved word in PostgreSQL, so that column is always quoted.
const column = (name: string) => (name === 'user' ? '"user"' : name);
const COLUMNS = SESSION_COLUMNS.map(column).join(', ');
const VALUES = SESSION_COLUMNS.map((_, i) => `$${i + 1}`).join(', ');
// $1 is the id; the updated columns follow from $2, in SESSION_UPDATE_COLUMNS order.
const UPDATES = SESSION_UPDATE_COLUMNS.map((name, i) => `${column(name)} = $${i + 2}`).join(', ');
// COLLATE "C": ties on created_at break by byte order of the id, as in SQLite and Redis.
const NEWEST_FIRST = 'ORDER BY created_at DESC, id COLLATE "C" DESC';
// Leases run on the database server's clock (epoch ms), so instances whose clocks disagree still
// agree on when a lease expires.
const SERVER_NOW_MS = '(EXTRACT(EPOCH FROM clock_timestamp()) * 1000)::bigint';

/** Sessions, login transactions and leases in PostgreSQL, through a connection pool. */
export class PostgresSessionStore implements SessionStore, TransactionStore, LeaseStore {
  readonly #pool: pg.Pool;
  readonly #sql: Record<
    'insert' | 'get' | 'touch' | 'update' | 'delete' | 'deleteByUser' | 'list' | 'listByUser' | 'count' | 'purge' | 'purgeTransactions' | 'putTransaction' | 'takeTransaction' | 'acquireLease' | 'releaseLease' | 'purgeLeases',
    string
  >;
  #closed = false;

  private constructor(pool: pg.Pool, qualifier: string) {
    this.#pool = pool;
    const sessions = `${qualifier}auth_sessions`;
    const transactions = `${qualifier}auth_login_transactions`;
    const leases = `${qualifier}auth_leases`;
    this.#sql = {
      insert: `INSERT INTO ${sessions} (${COLUMNS}) VALUES (${VALUES})`,
      get: `SELECT ${COLUMNS} FROM ${sessions} WHERE id = $1`,
      touch: `UPDATE ${sessions} SET last_seen_at = $2, expires_at = $3 WHERE id = $1`,
      update: `UPDATE ${sessions} SET ${UPDATES} WHERE id = $1`,
      delete: `DELETE FROM ${sessions} WHERE id = $1`,
      deleteByUser: `DELETE FROM ${sessions} WHERE sub = $1`,
      list: `SELECT ${COLUMNS} FROM ${sessions} WHERE expires_at > $1 AND absolute_expires_at > $1 ${NEWEST_FIRST} LIMIT $2 OFFSET $3`,
      listByUser: `SELECT ${COLUMNS} FROM ${sessions} WHERE sub = $4 AND expires_at > $1 AND absolute_expires_at > $1 ${NEWEST_FIRST} LIMIT $2 OFFSET $3`,
      count: `SELECT COUNT(*) AS count FROM ${sessions} WHERE expires_at > $1 AND absolute_expires_at > $1`,
      purge: `DELETE FROM ${sessions} WHERE expires_at <= $1 OR absolute_expires_at <= $1`,
      purgeTransactions: `DELETE FROM ${transactions} WHERE expires_at <= $1`,
      putTransaction: `INSERT INTO ${transactions} (state, data, expires_at) VALUES ($1, $2, $3) ON CONFLICT (state) DO UPDATE SET data = EXCLUDED.data, expires_at = EXCLUDED.expires_at`,
      // One DELETE … RETURNING: a concurrent second DELETE waits on the row lock, then finds it
      // gone, so of two callbacks (on any number of instances) exactly one gets the transaction.
      takeTransaction: `DELETE FROM ${transactions} WHERE state = $1 RETURNING data`,
      // One upsert: a concurrent second one waits on the row lock, then sees the first holder's
      // unexpired row, updates nothing and returns no row — so exactly one instance gets the lease.
      acquireLease: `INSERT INTO ${leases} AS lease (name, holder, expires_at) VALUES ($1, $2, ${SERVER_NOW_MS} + $3)
        ON CONFLICT (name) DO UPDATE SET holder = EXCLUDED.holder, expires_at = EXCLUDED.expires_at
        WHERE lease.expires_at <= ${SERVER_NOW_MS} OR lease.holder = EXCLUDED.holder
        RETURNING holder`,
      releaseLease: `DELETE FROM ${leases} WHERE name = $1 AND holder = $2`,
      // The server's clock, never the caller's `now`: purging a live lease would let a second holder in.
      purgeLeases: `DELETE FROM ${leases} WHERE expires_at <= ${SERVER_NOW_MS}`,
    };
  }

  /**
   * Connects to `postgres://…` and creates the tables if absent. Rejects with the driver's error
   * when the server cannot be reached (`openStores` turns it into a start-up message).
   */
  static async open(databaseUrl: string, options: PostgresStoreOptions = {}): Promise<PostgresSessionStore> {
    const { pool, qualifier } = await openPostgresPool(databaseUrl, options, (q) => sessionSchemaSql(q, 'postgres'));
    return new PostgresSessionStore(pool, qualifier);
  }

  /**
   * Opens the store on a streaming replica (`DATABASE_READ_URL`) for reads: nothing is created,
   * and any write is refused by the server. Used by `RegionalSessionStore` (`postgres-regional.ts`).
   */
  static async openReadOnly(databaseUrl: string, options: PostgresStoreOptions = {}): Promise<PostgresSessionStore> {
    const { pool, qualifier } = await openReadOnlyPool(databaseUrl, options);
    return new PostgresSessionStore(pool, qualifier);
  }

  async #query<Row extends pg.QueryResultRow>(sql: string, values: unknown[]): Promise<pg.QueryResult<Row>> {
    if (this.#closed) throw new Error('PostgresSessionStore is closed');
    return this.#pool.query<Row>(sql, values);
  }

  async create(session: SessionRecord): Promise<void> {
    const row = sessionToRow(session);
    await this.#query(this.#sql.insert, SESSION_COLUMNS.map((name) => row[name]));
  }

  async get(id: string): Promise<SessionRecord | null> {
    const row = (await this.#query<SessionRow<string>>(this.#sql.get, [id])).rows[0];
    return row ? sessionFromRow(row) : null;
  }

  async touch(id: string, lastSeenAt: number, expiresAt: number): Promise<void> {
    await this.#query(this.#sql.touch, [id, lastSeenAt, expiresAt]);
  }

  async update(session: SessionRecord): Promise<void> {
    const row = sessionUpdateRow(session);
    await this.#query(this.#sql.update, [row.id, ...SESSION_UPDATE_COLUMNS.map((name) => row[name])]);
  }

  async delete(id: string): Promise<void> {
    await this.#query(this.#sql.delete, [id]);
  }

  async deleteByUser(sub: string): Promise<number> {
    return (await this.#query(this.#sql.deleteByUser, [sub])).rowCount ?? 0;
  }

  async list(query: SessionListQuery = {}): Promise<SessionRecord[]> {
    const { limit, offset } = pageBounds(query.limit, query.offset);
    const now = Date.now();
    const result = query.sub === undefined
      ? await this.#query<SessionRow<string>>(this.#sql.list, [now, limit, offset])
      : await this.#query<SessionRow<string>>(this.#sql.listByUser, [now, limit, offset, query.sub]);
    return result.rows.map(sessionFromRow);
  }

  async count(now = Date.now()): Promise<number> {
    return Number((await this.#query<{ count: string }>(this.#sql.count, [now])).rows[0]?.count ?? 0);
  }

  async purgeExpired(now = Date.now()): Promise<number> {
    await this.#query(this.#sql.purgeTransactions, [now]);
    await this.#query(this.#sql.purgeLeases, []);
    return (await this.#query(this.#sql.purge, [now])).rowCount ?? 0;
  }

  async putTransaction(tx: LoginTransaction): Promise<void> {
    await this.#query(this.#sql.putTransaction, [tx.state, JSON.stringify(tx), tx.expiresAt]);
  }

  async takeTransaction(state: string): Promise<LoginTransaction | null> {
    const row = (await this.#query<{ data: string }>(this.#sql.takeTransaction, [state])).rows[0];
    return row ? (JSON.parse(row.data) as LoginTransaction) : null;
  }

  async acquireLease(key: string, holder: string, ttlMs: number): Promise<boolean> {
    const ttl = leaseTtl(ttlMs);
    return (await this.#query(this.#sql.acquireLease, [key, holder, ttl])).rowCount === 1;
  }

  async releaseLease(key: string, holder: string): Promise<void> {
    await this.#query(this.#sql.releaseLease, [key, holder]);
  }

  async ping(): Promise<boolean> {
    if (this.#closed) return false;
    try {
      return (await this.#pool.query<{ ok: number }>('SELECT 1 AS ok')).rows[0]?.ok === 1;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#pool.end();
  }
}
