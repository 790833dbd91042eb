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

/**
 * Opens a pool on a server Gatehouse only reads from (a streaming replica, `DATABASE_READ_URL`):
 * nothing is created there — the tables arrive by replication — and a connection is checked.
 */
export async function openReadOnlyPool(databaseUrl: string, options: PostgresStoreOptions): Promise<{ pool: pg.Pool; qualifier: string }> {
  if (options.schema !== undefined && !IDENTIFIER.test(options.schema)) throw new TypeError('PostgreSQL schema must be a lowercase identifier ([a-z_][a-z0-9_]*)');
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max: options.maxConnections ?? 10,
    // 10 s: a start-up against an unreachable host must fail with a message, not hang.
    connectionTimeoutMillis: 10_000,
  });
  pool.on('error', (error) => options.onError?.(error));
  try {
    await pool.query('SELECT 1');
  } catch (error) {
    await pool.end().catch(() => {});
    throw error;
  }
  return { pool, qualifier: options.schema === undefined ? '' : `"${options.schema}".` };
}
