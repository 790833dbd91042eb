/**
 * The connection pool the PostgreSQL stores (`postgres.ts`, `postgres-audit.ts`) open, with their
 * shared options and the serialised schema creation. Kept apart so neither store imports the other.
 */
import pg from 'pg';

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
  /**
   * Longest a statement may run, in ms: enforced by the server (`statement_timeout`) and by the
   * client (`query_timeout`, which also covers a network that stopped answering). Default 2000.
   */
  statementTimeoutMs?: number;
  /** Longest wait for a pooled connection (a new one included) after start-up, in ms. Default 2000. */
  acquireTimeoutMs?: number;
}

// 2 s each: the request path's budget (STORE_TIMEOUT_MS, STORE_ACQUIRE_TIMEOUT_MS).
const DEFAULT_STATEMENT_TIMEOUT_MS = 2000;
const DEFAULT_ACQUIRE_TIMEOUT_MS = 2000;
// 60 s: creating the schema may wait for another instance's lock; it runs once, at start-up.
const SCHEMA_TIMEOUT_MS = 60_000;

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
  const statementTimeout = options.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS;
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max: options.maxConnections ?? 10,
    // 10 s: a start-up against an unreachable host must fail with a message, not hang.
    connectionTimeoutMillis: 10_000,
    statement_timeout: statementTimeout,
    // A little above the server's limit, so a slow statement fails with the server's 57014 first;
    // this one fires when the network itself stopped answering.
    query_timeout: statementTimeout + 250,
  });
  // Without a listener, an idle client's error (server restart) would crash the process.
  pool.on('error', (error) => options.onError?.(error));
  try {
    const client = await pool.connect();
    try {
      const run = (text: string) => client.query({ text, query_timeout: SCHEMA_TIMEOUT_MS } as pg.QueryConfig);
      await run('BEGIN');
      await run(`SET LOCAL statement_timeout = ${SCHEMA_TIMEOUT_MS}`);
      await run("SELECT pg_advisory_xact_lock(hashtext('gatehouse:schema'))");
      if (options.schema !== undefined) await run(`CREATE SCHEMA IF NOT EXISTS "${options.schema}"`);
      await run(schemaSql(qualifier));
      await run('COMMIT');
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
  // From now on requests wait at most this long for a connection, instead of queueing behind a dead server.
  (pool.options as { connectionTimeoutMillis?: number }).connectionTimeoutMillis = options.acquireTimeoutMs ?? DEFAULT_ACQUIRE_TIMEOUT_MS;
  return { pool, qualifier };
}

/**
 * Opens a pool on a server Gatehouse only reads from (a streaming replica, `DATABASE_READ_URL`):
 * nothing is created there — the tables arrive by replication — and a connection is checked.
 */
export async function openReadOnlyPool(databaseUrl: string, options: PostgresStoreOptions): Promise<{ pool: pg.Pool; qualifier: string }> {
  if (options.schema !== undefined && !IDENTIFIER.test(options.schema)) throw new TypeError('PostgreSQL schema must be a lowercase identifier ([a-z_][a-z0-9_]*)');
  const statementTimeout = options.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS;
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max: options.maxConnections ?? 10,
    // 10 s: a start-up against an unreachable host must fail with a message, not hang.
    connectionTimeoutMillis: 10_000,
    // The same bounds as the primary's pool (see openPostgresPool).
    statement_timeout: statementTimeout,
    query_timeout: statementTimeout + 250,
  });
  pool.on('error', (error) => options.onError?.(error));
  try {
    await pool.query('SELECT 1');
  } catch (error) {
    await pool.end().catch(() => {});
    throw error;
  }
  (pool.options as { connectionTimeoutMillis?: number }).connectionTimeoutMillis = options.acquireTimeoutMs ?? DEFAULT_ACQUIRE_TIMEOUT_MS;
  return { pool, qualifier: options.schema === undefined ? '' : `"${options.schema}".` };
}
