/**
 * The audit log in SQLite (`auth_audit_events`), append-only. Same semantics as `MemoryAuditLog`:
 * newest first, keyset pagination on `id` (`before`), `since` inclusive, `until` exclusive.
 */
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { AuditEvent, AuditEventType, AuditLog, AuditQuery, StoredAuditEvent } from '../types.ts';
import { auditEventFromRow, auditInsertSql, auditInsertValues, auditSchemaSql, auditSelect, type AuditRow } from './shared/audit-sql.ts';
import { openSqlite } from './sqlite-database.ts';

const TABLE = 'auth_audit_events';

/** Audit events in SQLite; may share the sessions' database file. */
export class SqliteAuditLog implements AuditLog {
  readonly #db: DatabaseSync;
  readonly #insert: StatementSync;
  readonly #byDay: StatementSync;
  readonly #byReason: StatementSync;
  readonly #purge: StatementSync;
  // One prepared statement per combination of filters used (at most 2^7).
  readonly #queries = new Map<string, StatementSync>();
  #closed = false;

  private constructor(db: DatabaseSync) {
    this.#db = db;
    db.exec(auditSchemaSql(TABLE, 'sqlite'));
    this.#insert = db.prepare(auditInsertSql(TABLE, 'sqlite'));
    this.#byDay = db.prepare(
      "SELECT strftime('%Y-%m-%d', at / 1000, 'unixepoch') AS day, result, COUNT(*) AS count FROM auth_audit_events WHERE type = ? AND at >= ? GROUP BY day, result ORDER BY day, result",
    );
    this.#purge = db.prepare('DELETE FROM auth_audit_events WHERE at < ?');
    this.#byReason = db.prepare(
      "SELECT COALESCE(reason, 'unknown') AS reason, SUM(1 + COALESCE(CAST(json_extract(detail, '$.repeated') AS INTEGER), 0)) AS count FROM auth_audit_events WHERE result = 'failure' AND at >= ? GROUP BY 1 ORDER BY count DESC, reason",
    );
  }

  /** Opens (creating if needed) the audit log at a `file:` URL. */
  static open(databaseUrl: string): SqliteAuditLog {
    return new SqliteAuditLog(openSqlite(databaseUrl));
  }

  async record(event: AuditEvent): Promise<void> {
    this.#insert.run(...auditInsertValues(event));
  }

  async query(query: AuditQuery = {}): Promise<StoredAuditEvent[]> {
    const { sql, values } = auditSelect(TABLE, query, 'sqlite');
    let statement = this.#queries.get(sql);
    if (!statement) this.#queries.set(sql, (statement = this.#db.prepare(sql)));
    return (statement.all(...values) as unknown as Array<AuditRow<number>>).map(auditEventFromRow);
  }

  async countByDay(type: AuditEventType, since: number): Promise<Array<{ day: string; result: 'success' | 'failure'; count: number }>> {
    return (this.#byDay.all(type, since) as unknown as Array<{ day: string; result: 'success' | 'failure'; count: number }>).map((row) => ({ day: row.day, result: row.result, count: Number(row.count) }));
  }

  async countFailuresByReason(since: number): Promise<Array<{ reason: string; count: number }>> {
    return (this.#byReason.all(since) as unknown as Array<{ reason: string; count: number }>).map((row) => ({ reason: row.reason, count: Number(row.count) }));
  }

  async purgeBefore(cutoff: number): Promise<number> {
    return Number(this.#purge.run(cutoff).changes);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#db.close();
  }
}
