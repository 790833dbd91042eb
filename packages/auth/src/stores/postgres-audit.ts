/**
 * The audit log in PostgreSQL (`auth_audit_events`, same columns and indexes as SQLite),
 * append-only. Same semantics as `MemoryAuditLog` and `SqliteAuditLog`: newest first, keyset
 * pagination on `id` (`before`), `since` inclusive, `until` exclusive, days in UTC.
 */
import type pg from 'pg';
import type { AuditEvent, AuditEventType, AuditLog, AuditQuery, StoredAuditEvent } from '../types.ts';
import { auditEventFromRow, auditInsertSql, auditInsertValues, auditSchemaSql, auditSelect, type AuditRow } from './shared/audit-sql.ts';
import { openPostgresPool, type PostgresStoreOptions } from './postgres-pool.ts';

const tableIn = (qualifier: string) => `${qualifier}auth_audit_events`;

/** Audit events in PostgreSQL; may share the sessions' database (and schema). */
export class PostgresAuditLog implements AuditLog {
  readonly #pool: pg.Pool;
  readonly #table: string;
  readonly #sql: Record<'insert' | 'countByDay' | 'countFailuresByReason' | 'purge', string>;
  #closed = false;

  private constructor(pool: pg.Pool, qualifier: string) {
    this.#pool = pool;
    const table = tableIn(qualifier);
    this.#table = table;
    // Built once: only the filtered `query` varies with its arguments.
    this.#sql = {
      insert: auditInsertSql(table, 'postgres'),
      // Exact integer day arithmetic (no time zone or float involved): day n after 1970-01-01 UTC.
      countByDay: `SELECT to_char(DATE '1970-01-01' + (at / 86400000)::int, 'YYYY-MM-DD') AS day, result, COUNT(*) AS count
         FROM ${table} WHERE type = $1 AND at >= $2
         GROUP BY 1, result ORDER BY 1, result COLLATE "C"`,
      purge: `DELETE FROM ${table} WHERE at < $1`,
      // An aggregated row (detail.repeated) stands for itself and the repeats folded into it.
      countFailuresByReason: `SELECT COALESCE(reason, 'unknown') AS reason,
         SUM(1 + CASE WHEN jsonb_typeof(detail::jsonb -> 'repeated') = 'number' THEN (detail::jsonb ->> 'repeated')::numeric::bigint ELSE 0 END) AS count
         FROM ${table} WHERE result = 'failure' AND at >= $1
         GROUP BY 1 ORDER BY 2 DESC, COALESCE(reason, 'unknown') COLLATE "C"`,
    };
  }

  /** Connects to `postgres://…` and creates the table if absent; rejects with the driver's error when unreachable. */
  static async open(databaseUrl: string, options: PostgresStoreOptions = {}): Promise<PostgresAuditLog> {
    const { pool, qualifier } = await openPostgresPool(databaseUrl, options, (q) => auditSchemaSql(tableIn(q), 'postgres'));
    return new PostgresAuditLog(pool, qualifier);
  }

  async #query<Row extends pg.QueryResultRow>(sql: string, values: unknown[]): Promise<Row[]> {
    if (this.#closed) throw new Error('PostgresAuditLog is closed');
    return (await this.#pool.query<Row>(sql, values)).rows;
  }

  async record(event: AuditEvent): Promise<void> {
    await this.#query(this.#sql.insert, auditInsertValues(event));
  }

  async query(query: AuditQuery = {}): Promise<StoredAuditEvent[]> {
    const { sql, values } = auditSelect(this.#table, query, 'postgres');
    return (await this.#query<AuditRow<string>>(sql, values)).map(auditEventFromRow);
  }

  async countByDay(type: AuditEventType, since: number): Promise<Array<{ day: string; result: 'success' | 'failure'; count: number }>> {
    const rows = await this.#query<{ day: string; result: 'success' | 'failure'; count: string }>(this.#sql.countByDay, [type, since]);
    return rows.map((row) => ({ day: row.day, result: row.result, count: Number(row.count) }));
  }

  async countFailuresByReason(since: number): Promise<Array<{ reason: string; count: number }>> {
    const rows = await this.#query<{ reason: string; count: string }>(this.#sql.countFailuresByReason, [since]);
    return rows.map((row) => ({ reason: row.reason, count: Number(row.count) }));
  }

  async purgeBefore(cutoff: number): Promise<number> {
    if (this.#closed) throw new Error('PostgresAuditLog is closed');
    return (await this.#pool.query(this.#sql.purge, [cutoff])).rowCount ?? 0;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#pool.end();
  }
}
