/**
 * The audit log in SQLite (`auth_audit_events`), append-only. Same semantics as `MemoryAuditLog`:
 * newest first, keyset pagination on `id` (`before`), `since` inclusive, `until` exclusive.
 */
import type { DatabaseSync, SQLInputValue, StatementSync } from 'node:sqlite';
import type { AuditEvent, AuditEventType, AuditLog, AuditQuery, StoredAuditEvent } from '../types.ts';
import { auditFields, auditLimit } from './memory-audit.ts';
import { openSqlite } from './sqlite-database.ts';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS auth_audit_events (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  at INTEGER NOT NULL,
  type TEXT NOT NULL,
  result TEXT NOT NULL,
  reason TEXT,
  sub TEXT,
  email TEXT,
  session_id TEXT,
  ip TEXT,
  user_agent TEXT,
  detail TEXT
);
CREATE INDEX IF NOT EXISTS auth_audit_events_by_type ON auth_audit_events (type, at);
CREATE INDEX IF NOT EXISTS auth_audit_events_by_result ON auth_audit_events (result, at);
CREATE INDEX IF NOT EXISTS auth_audit_events_by_sub ON auth_audit_events (sub, id);
CREATE INDEX IF NOT EXISTS auth_audit_events_by_email ON auth_audit_events (email, id);
`;

interface AuditRow {
  id: number;
  at: number;
  type: AuditEventType;
  result: 'success' | 'failure';
  reason: string | null;
  sub: string | null;
  email: string | null;
  session_id: string | null;
  ip: string | null;
  user_agent: string | null;
  detail: string | null;
}

function toEvent(row: AuditRow): StoredAuditEvent {
  return {
    id: row.id,
    at: row.at,
    type: row.type,
    result: row.result,
    ...(row.reason === null ? {} : { reason: row.reason }),
    ...(row.sub === null ? {} : { sub: row.sub }),
    ...(row.email === null ? {} : { email: row.email }),
    ...(row.session_id === null ? {} : { sessionId: row.session_id }),
    ...(row.ip === null ? {} : { ip: row.ip }),
    ...(row.user_agent === null ? {} : { userAgent: row.user_agent }),
    ...(row.detail === null ? {} : { detail: JSON.parse(row.detail) as StoredAuditEvent['detail'] }),
  };
}

// Each filter is a fixed SQL fragment with one parameter; values never reach the SQL text.
const FILTERS = {
  before: 'id < ?',
  sub: 'sub = ?',
  email: 'email = ?',
  type: 'type = ?',
  result: 'result = ?',
  since: 'at >= ?',
  until: 'at < ?',
} as const satisfies Partial<Record<keyof AuditQuery, string>>;

/** Audit events in SQLite; may share the sessions' database file. */
export class SqliteAuditLog implements AuditLog {
  readonly #db: DatabaseSync;
  readonly #insert: StatementSync;
  readonly #byDay: StatementSync;
  readonly #byReason: StatementSync;
  // One prepared statement per combination of filters used (at most 2^7).
  readonly #queries = new Map<string, StatementSync>();
  #closed = false;

  private constructor(db: DatabaseSync) {
    this.#db = db;
    db.exec(SCHEMA);
    this.#insert = db.prepare(
      'INSERT INTO auth_audit_events (at, type, result, reason, sub, email, session_id, ip, user_agent, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    this.#byDay = db.prepare(
      "SELECT strftime('%Y-%m-%d', at / 1000, 'unixepoch') AS day, result, COUNT(*) AS count FROM auth_audit_events WHERE type = ? AND at >= ? GROUP BY day, result ORDER BY day, result",
    );
    this.#byReason = db.prepare(
      "SELECT COALESCE(reason, 'unknown') AS reason, COUNT(*) AS count FROM auth_audit_events WHERE result = 'failure' AND at >= ? GROUP BY 1 ORDER BY count DESC, reason",
    );
  }

  /** Opens (creating if needed) the audit log at a `file:` URL. */
  static open(databaseUrl: string): SqliteAuditLog {
    return new SqliteAuditLog(openSqlite(databaseUrl));
  }

  async record(event: AuditEvent): Promise<void> {
    const e = auditFields(event, event.at ?? Date.now());
    this.#insert.run(e.at, e.type, e.result, e.reason ?? null, e.sub ?? null, e.email ?? null, e.sessionId ?? null, e.ip ?? null, e.userAgent ?? null, e.detail === undefined ? null : JSON.stringify(e.detail));
  }

  async query(query: AuditQuery = {}): Promise<StoredAuditEvent[]> {
    const clauses: string[] = [];
    const values: SQLInputValue[] = [];
    for (const [key, clause] of Object.entries(FILTERS) as Array<[keyof typeof FILTERS, string]>) {
      const value = query[key];
      if (value === undefined) continue;
      clauses.push(clause);
      values.push(value);
    }
    const sql = `SELECT * FROM auth_audit_events${clauses.length ? ` WHERE ${clauses.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`;
    let statement = this.#queries.get(sql);
    if (!statement) this.#queries.set(sql, (statement = this.#db.prepare(sql)));
    return (statement.all(...values, auditLimit(query.limit)) as unknown as AuditRow[]).map(toEvent);
  }

  async countByDay(type: AuditEventType, since: number): Promise<Array<{ day: string; result: 'success' | 'failure'; count: number }>> {
    return (this.#byDay.all(type, since) as unknown as Array<{ day: string; result: 'success' | 'failure'; count: number }>).map((row) => ({ day: row.day, result: row.result, count: Number(row.count) }));
  }

  async countFailuresByReason(since: number): Promise<Array<{ reason: string; count: number }>> {
    return (this.#byReason.all(since) as unknown as Array<{ reason: string; count: number }>).map((row) => ({ reason: row.reason, count: Number(row.count) }));
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#db.close();
  }
}
