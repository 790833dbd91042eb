/**
 * Sessions and login transactions in PostgreSQL (`DATABASE_URL=postgres://…`), for deployments
 * with several instances. Same tables as SQLite (`auth_sessions`, `auth_login_transactions`, same
 * indexes), created if absent; every query is parameterised; `get` is a primary-key lookup.
 * The audit log is in `postgres-audit.ts`.
 */
import pg from 'pg';
import type { LoginTransaction, SessionListQuery, SessionRecord, SessionStore, TransactionStore } from '../types.ts';
import { pageBounds } from './memory.ts';

export { PostgresAuditLog } from './postgres-audit.ts';

/** Options shared by the PostgreSQL stores. */
export interface PostgresStoreOptions {
  /**
   * Schema holding the tables, created if absent. Default: none, so names resolve through the
   * connection's `search_path` (usually `public`; settable in the URL as
   * `?options=-c%20search_path%3Dgatehouse`). Tests use one schema each to run in parallel.
   */
  schema?: string;
  /** Most connections this store's pool opens (default 10). */
  maxConnections?: number;
  /** Told about errors of idle pooled connections (a restarted server, a dropped network). */
  onError?: (error: Error) => void;
}

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * Opens a pool and checks a connection can be made, running the schema SQL under a
 * transaction-scoped advisory lock so that instances starting together do not race on
 * `CREATE … IF NOT EXISTS` (which is not atomic in PostgreSQL). Returns the pool and the
 * qualifier to put before table names (`"schema".` or nothing).
 */
export async function openPostgresPool(databaseUrl: string, options: PostgresStoreOptions, schemaSql: (qualifier: string) => string): Promise<{ pool: pg.Pool; qualifier: string }> {
  if (options.schema !== undefined && !IDENTIFIER.test(options.schema)) throw new TypeError('PostgreSQL schema must be a lowercase identifier ([a-z_][a-z0-9_]*)');
  const qualifier = options.schema === undefined ? '' : `"${options.schema}".`;
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max: options.maxConnections ?? 10,
    // 10 s: a start-up against an unreachable host must fail with a message, not hang.
    connectionTimeoutMillis: 10_000,
  });
  // Without a listener, an idle client's error (server restart) would crash the process.
  pool.on('error', (error) => options.onError?.(error));
  try {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      await client.query("SELECT pg_advisory_xact_lock(hashtext('gatehouse:schema'))");
      if (options.schema !== undefined) await client.query(`CREATE SCHEMA IF NOT EXISTS "${options.schema}"`);
      await client.query(schemaSql(qualifier));
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      throw error;
    } finally {
      client.release();
    }
  } catch (error) {
    await pool.end().catch(() => {});
    throw error;
  }
  return { pool, qualifier };
}

// Times are epoch ms in BIGINT (pg hands them back as strings; converted in toRecord). JSON is
// kept as TEXT, not JSONB, so records round-trip byte for byte (JSONB reorders keys and rejects \u0000).
const schemaSql = (s: string) => `
CREATE TABLE IF NOT EXISTS ${s}auth_sessions (
  id TEXT PRIMARY KEY NOT NULL,
  secret_hash TEXT NOT NULL,
  sub TEXT NOT NULL,
  "user" TEXT NOT NULL,
  roles TEXT NOT NULL,
  claims TEXT NOT NULL,
  tokens TEXT NOT NULL,
  access_token_expires_at BIGINT NOT NULL,
  created_at BIGINT NOT NULL,
  last_seen_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  absolute_expires_at BIGINT NOT NULL,
  user_agent TEXT,
  ip TEXT
);
CREATE INDEX IF NOT EXISTS auth_sessions_by_user ON ${s}auth_sessions (sub, created_at);
CREATE INDEX IF NOT EXISTS auth_sessions_by_created ON ${s}auth_sessions (created_at);
CREATE INDEX IF NOT EXISTS auth_sessions_by_expiry ON ${s}auth_sessions (expires_at);
CREATE TABLE IF NOT EXISTS ${s}auth_login_transactions (
  state TEXT PRIMARY KEY NOT NULL,
  data TEXT NOT NULL,
  expires_at BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS auth_login_transactions_by_expiry ON ${s}auth_login_transactions (expires_at);
`;

interface SessionRow {
  id: string;
  secret_hash: string;
  user: string;
  roles: string;
  claims: string;
  tokens: string;
  access_token_expires_at: string;
  created_at: string;
  last_seen_at: string;
  expires_at: string;
  absolute_expires_at: string;
  user_agent: string | null;
  ip: string | null;
}

function toRecord(row: SessionRow): SessionRecord {
  return {
    id: row.id,
    secretHash: row.secret_hash,
    user: JSON.parse(row.user) as SessionRecord['user'],
    roles: JSON.parse(row.roles) as SessionRecord['roles'],
    claims: JSON.parse(row.claims) as SessionRecord['claims'],
    tokens: row.tokens,
    accessTokenExpiresAt: Number(row.access_token_expires_at),
    createdAt: Number(row.created_at),
    lastSeenAt: Number(row.last_seen_at),
    expiresAt: Number(row.expires_at),
    absoluteExpiresAt: Number(row.absolute_expires_at),
    userAgent: row.user_agent,
    ip: row.ip,
  };
}

const COLUMNS = 'id, secret_hash, sub, "user", roles, claims, tokens, access_token_expires_at, created_at, last_seen_at, expires_at, absolute_expires_at, user_agent, ip';
// COLLATE "C": ties on created_at break by byte order of the id, as in SQLite and Redis.
const NEWEST_FIRST = 'ORDER BY created_at DESC, id COLLATE "C" DESC';

/** Sessions and login transactions in PostgreSQL, through a connection pool. */
export class PostgresSessionStore implements SessionStore, TransactionStore {
  readonly #pool: pg.Pool;
  readonly #sql: Record<
    'insert' | 'get' | 'touch' | 'update' | 'delete' | 'deleteByUser' | 'list' | 'listByUser' | 'count' | 'purge' | 'purgeTransactions' | 'putTransaction' | 'takeTransaction',
    string
  >;
  #closed = false;

  private constructor(pool: pg.Pool, qualifier: string) {
    this.#pool = pool;
    const sessions = `${qualifier}auth_sessions`;
    const transactions = `${qualifier}auth_login_transactions`;
    this.#sql = {
      insert: `INSERT INTO ${sessions} (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
      get: `SELECT ${COLUMNS} FROM ${sessions} WHERE id = $1`,
      touch: `UPDATE ${sessions} SET last_seen_at = $2, expires_at = $3 WHERE id = $1`,
      update: `UPDATE ${sessions} SET sub = $2, "user" = $3, roles = $4, claims = $5, tokens = $6, access_token_expires_at = $7 WHERE id = $1`,
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
    };
  }

  /**
   * Connects to `postgres://…` and creates the tables if absent. Rejects with the driver's error
   * when the server cannot be reached (`openStores` turns it into a start-up message).
   */
  static async open(databaseUrl: string, options: PostgresStoreOptions = {}): Promise<PostgresSessionStore> {
    const { pool, qualifier } = await openPostgresPool(databaseUrl, options, schemaSql);
    return new PostgresSessionStore(pool, qualifier);
  }

  async #query<Row extends pg.QueryResultRow>(sql: string, values: unknown[]): Promise<pg.QueryResult<Row>> {
    if (this.#closed) throw new Error('PostgresSessionStore is closed');
    return this.#pool.query<Row>(sql, values);
  }

  async create(session: SessionRecord): Promise<void> {
    await this.#query(this.#sql.insert, [
      session.id,
      session.secretHash,
      session.user.sub,
      JSON.stringify(session.user),
      JSON.stringify(session.roles),
      JSON.stringify(session.claims),
      session.tokens,
      session.accessTokenExpiresAt,
      session.createdAt,
      session.lastSeenAt,
      session.expiresAt,
      session.absoluteExpiresAt,
      session.userAgent,
      session.ip,
    ]);
  }

  async get(id: string): Promise<SessionRecord | null> {
    const row = (await this.#query<SessionRow>(this.#sql.get, [id])).rows[0];
    return row ? toRecord(row) : null;
  }

  async touch(id: string, lastSeenAt: number, expiresAt: number): Promise<void> {
    await this.#query(this.#sql.touch, [id, lastSeenAt, expiresAt]);
  }

  async update(session: SessionRecord): Promise<void> {
    await this.#query(this.#sql.update, [
      session.id,
      session.user.sub,
      JSON.stringify(session.user),
      JSON.stringify(session.roles),
      JSON.stringify(session.claims),
      session.tokens,
      session.accessTokenExpiresAt,
    ]);
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
      ? await this.#query<SessionRow>(this.#sql.list, [now, limit, offset])
      : await this.#query<SessionRow>(this.#sql.listByUser, [now, limit, offset, query.sub]);
    return result.rows.map(toRecord);
  }

  async count(now = Date.now()): Promise<number> {
    return Number((await this.#query<{ count: string }>(this.#sql.count, [now])).rows[0]?.count ?? 0);
  }

  async purgeExpired(now = Date.now()): Promise<number> {
    await this.#query(this.#sql.purgeTransactions, [now]);
    return (await this.#query(this.#sql.purge, [now])).rowCount ?? 0;
  }

  async putTransaction(tx: LoginTransaction): Promise<void> {
    await this.#query(this.#sql.putTransaction, [tx.state, JSON.stringify(tx), tx.expiresAt]);
  }

  async takeTransaction(state: string): Promise<LoginTransaction | null> {
    const row = (await this.#query<{ data: string }>(this.#sql.takeTransaction, [state])).rows[0];
    return row ? (JSON.parse(row.data) as LoginTransaction) : null;
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
