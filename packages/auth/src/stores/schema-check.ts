/**
 * Whether the configured stores hold the tables this version of Gatehouse works with, found out
 * without changing anything (for `npm run doctor`): the SQLite file is opened read-only and never
 * created, PostgreSQL is read in a `READ ONLY` transaction, Redis (no schema) only answers `PING`.
 * The tables and columns expected are the ones the stores' own DDL creates, run in a scratch
 * in-memory database, so a column added to the DDL is expected here at once. The stores create
 * and migrate their tables when the app starts (`CREATE … IF NOT EXISTS`); nothing else does.
 */
import { existsSync } from 'node:fs';
import { DatabaseSync } from 'node:sqlite';
import { Redis } from 'ioredis';
import pg from 'pg';
import type { GatehouseConfig } from '../config/schema.ts';
import { auditSchemaSql } from './shared/audit-sql.ts';
import { describeServer, reasonOf } from './factory.ts';
import { sessionSchemaSql } from './shared/session-rows.ts';
import { sqlitePath } from './sqlite-database.ts';

/** The audit log's table (both SQL stores). */
const AUDIT_TABLE = 'auth_audit_events';
// 5 s: a doctor run, not a request; long enough for a distant server, short enough to report.
const CONNECT_TIMEOUT_MS = 5000;

/** What {@link checkStoreSchema} found. */
export type StoreSchemaStatus =
  | { state: 'migrated'; where: string; detail: string }
  /** The server or file answered, but tables or columns of this version are missing. */
  | { state: 'not_migrated'; where: string; detail: string }
  | { state: 'unreachable'; where: string; detail: string };

/** Each table the SQL stores create and its columns, from the DDL itself; with Redis, the audit table only. */
export function expectedTables(options: { redis: boolean }): Map<string, string[]> {
  const scratch = new DatabaseSync(':memory:');
  try {
    scratch.exec(`${options.redis ? '' : sessionSchemaSql('', 'sqlite')}${auditSchemaSql(AUDIT_TABLE, 'sqlite')}`);
    const tables = scratch.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all() as Array<{ name: string }>;
    return new Map(tables.map(({ name }) => [name, (scratch.prepare(`SELECT name FROM pragma_table_info(?)`).all(name) as Array<{ name: string }>).map((column) => column.name)]));
  } finally {
    scratch.close();
  }
}

/** What is missing from `actual` (table → columns) against `expected`, in words; empty when nothing is. */
function missingFrom(expected: Map<string, string[]>, actual: Map<string, Set<string>>): string[] {
  const missing: string[] = [];
  for (const [table, columns] of expected) {
    const present = actual.get(table);
    if (!present) missing.push(`table ${table}`);
    else {
      const absent = columns.filter((column) => !present.has(column));
      if (absent.length > 0) missing.push(`${table}.${absent.join(`, ${table}.`)}`);
    }
  }
  return missing;
}

function verdict(where: string, expected: Map<string, string[]>, actual: Map<string, Set<string>>, sessions: number | null): StoreSchemaStatus {
  const missing = missingFrom(expected, actual);
  if (missing.length > 0) {
    const none = missing.length === expected.size && missing.every((entry) => entry.startsWith('table '));
    return { state: 'not_migrated', where, detail: none ? `none of Gatehouse's tables (${[...expected.keys()].join(', ')}) is there: a fresh database` : `missing ${missing.join('; ')}: the tables of an older version` };
  }
  return { state: 'migrated', where, detail: `${expected.size} table${expected.size === 1 ? '' : 's'} with this version's columns${sessions === null ? '' : `, ${sessions} session${sessions === 1 ? '' : 's'}`}` };
}

function inspectSqlite(databaseUrl: string, expected: Map<string, string[]>): StoreSchemaStatus {
  const path = sqlitePath(databaseUrl);
  const where = `SQLite at ${path}`;
  if (path === ':memory:') return { state: 'migrated', where: 'SQLite in memory', detail: 'each process has its own, created at start: nothing to check from here' };
  // Opening a missing file would create it: look first.
  if (!existsSync(path)) return { state: 'not_migrated', where, detail: 'no database file yet' };
  let db: DatabaseSync;
  try {
    db = new DatabaseSync(path, { readOnly: true, timeout: CONNECT_TIMEOUT_MS });
  } catch (error) {
    return { state: 'unreachable', where, detail: `cannot be opened (${error instanceof Error ? error.message : String(error)})` };
  }
  try {
    const actual = new Map<string, Set<string>>();
    for (const table of expected.keys()) {
      const columns = (db.prepare('SELECT name FROM pragma_table_info(?)').all(table) as Array<{ name: string }>).map((column) => column.name);
      if (columns.length > 0) actual.set(table, new Set(columns));
    }
    const sessions = actual.get('auth_sessions')?.has('expires_at') ? Number((db.prepare('SELECT count(*) AS n FROM auth_sessions WHERE expires_at > ?').get(Date.now()) as { n: number }).n) : null;
    return verdict(where, expected, actual, sessions);
  } catch (error) {
    return { state: 'unreachable', where, detail: `cannot be read (${error instanceof Error ? error.message : String(error)})` };
  } finally {
    db.close();
  }
}

async function inspectPostgres(databaseUrl: string, expected: Map<string, string[]>): Promise<StoreSchemaStatus> {
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: CONNECT_TIMEOUT_MS, query_timeout: CONNECT_TIMEOUT_MS });
  // Without a listener a dropped connection's error would end the process.
  client.on('error', () => {});
  const found = { where: `PostgreSQL at ${describeServer(databaseUrl)}` };
  try {
    await client.connect();
  } catch (error) {
    return { state: 'unreachable', ...found, detail: `not reachable (${reasonOf(error, databaseUrl)})` };
  }
  try {
    await client.query('BEGIN READ ONLY');
    // The schema unqualified names resolve to, where the stores create their tables (search_path).
    const { rows } = await client.query<{ schema: string | null; table_name: string; column_name: string }>(
      'SELECT current_schema() AS schema, table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ANY($1)',
      [[...expected.keys()]],
    );
    const actual = new Map<string, Set<string>>();
    for (const row of rows) actual.set(row.table_name, (actual.get(row.table_name) ?? new Set()).add(row.column_name));
    const sessions = actual.get('auth_sessions')?.has('expires_at')
      ? Number((await client.query<{ n: string }>('SELECT count(*) AS n FROM auth_sessions WHERE expires_at > $1', [Date.now()])).rows[0]?.n ?? 0)
      : null;
    await client.query('ROLLBACK');
    return verdict(found.where, expected, actual, sessions);
  } catch (error) {
    return { state: 'unreachable', ...found, detail: `cannot be read (${reasonOf(error, databaseUrl)})` };
  } finally {
    await client.end().catch(() => {});
  }
}

async function pingRedis(redisUrl: string): Promise<StoreSchemaStatus> {
  const where = `Redis at ${describeServer(redisUrl)}`;
  const client = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: CONNECT_TIMEOUT_MS, enableOfflineQueue: false });
  let cause: Error | undefined;
  client.on('error', (error: Error) => {
    cause ??= error;
  });
  try {
    await client.connect();
    await client.ping();
    return { state: 'migrated', where, detail: 'answers (sessions need no tables)' };
  } catch (error) {
    return { state: 'unreachable', where, detail: `not reachable (${reasonOf(cause ?? error, redisUrl)})` };
  } finally {
    client.disconnect();
  }
}

/**
 * Checks every store `config` names, read-only: Redis (with `REDIS_URL`) answering, and the SQL
 * database of `DATABASE_URL` holding the tables and columns this version's stores create (all of
 * them, or the audit log's alone beside Redis). One status per store, Redis first.
 */
export async function checkStoreSchema(config: Pick<GatehouseConfig, 'databaseUrl' | 'redisUrl'>): Promise<StoreSchemaStatus[]> {
  const redis = config.redisUrl !== null;
  const expected = expectedTables({ redis });
  const database = config.databaseUrl.startsWith('file:')
    ? inspectSqlite(config.databaseUrl, expected)
    : await inspectPostgres(config.databaseUrl, expected);
  return redis ? [await pingRedis(config.redisUrl!), database] : [database];
}
