/**
 * The audit log in PostgreSQL (`auth_audit_events`, same columns and indexes as SQLite),
 * append-only. Same semantics as `MemoryAuditLog` and `SqliteAuditLog`: newest first, keyset
 * pagination on `id` (`before`), `since` inclusive, `until` exclusive, days in UTC.
 */
import type pg from 'pg';
import type { AuditEvent, AuditEventType, AuditLog, AuditQuery, StoredAuditEvent } from '../types.ts';
import { auditFields, auditLimit } from './memory-audit.ts';
import { openPostgresPool, type PostgresStoreOptions } from './postgres.ts';

const schemaSql = (s: string) => `
CREATE TABLE IF NOT EXISTS ${s}auth_audit_events (
  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at BIGINT NOT NULL,
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
CREATE INDEX IF NOT EXISTS auth_audit_events_by_type ON ${s}auth_audit_events (type, at);
CREATE INDEX IF NOT EXISTS auth_audit_events_by_result ON ${s}auth_audit_events (result, at);
CREATE INDEX IF NOT EXISTS auth_audit_events_by_sub ON ${s}auth_audit_events (sub, id);
CREATE INDEX IF NOT EXISTS auth_audit_events_by_email ON ${s}auth_audit_events (email, id);
`;

interface AuditRow {
  id: string;
  at: string;
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
    id: Number(row.id),
    at: Number(row.at),
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

// Each filter is a fixed SQL fragment with one placeholder; values never reach the SQL text.
const FILTERS = {
  before: 'id <',
  sub: 'sub =',
  email: 'email =',
  type: 'type =',
  result: 'result =',
  since: 'at >=',
  until: 'at <',
} as const satisfies Partial<Record<keyof AuditQuery, string>>;

/** Audit events in PostgreSQL; may share the sessions' database (and schema). */
export class PostgresAuditLog implements AuditLog {
  readonly #pool: pg.Pool;
  readonly #table: string;
  #closed = false;

  private constructor(pool: pg.Pool, qualifier: string) {
    this.#pool = pool;
    this.#table = `${qualifier}auth_audit_events`;
  }

  /** Connects to `postgres://…` and creates the table if absent; rejects with the driver's error when unreachable. */
  static async open(databaseUrl: string, options: PostgresStoreOptions = {}): Promise<PostgresAuditLog> {
    const { pool, qualifier } = await openPostgresPool(databaseUrl, options, schemaSql);
    return new PostgresAuditLog(pool, qualifier);
  }

  async #query<Row extends pg.QueryResultRow>(sql: string, values: unknown[]): Promise<Row[]> {
    if (this.#closed) throw new Error('PostgresAuditLog is closed');
    return (await this.#pool.query<Row>(sql, values)).rows;
  }

  async record(event: AuditEvent): Promise<void> {
    const e = auditFields(event, event.at ?? Date.now());
    await this.#query(
      `INSERT INTO ${this.#table} (at, type, result, reason, sub, email, session_id, ip, user_agent, detail) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      [e.at, e.type, e.result, e.reason ?? null, e.sub ?? null, e.email ?? null, e.sessionId ?? null, e.ip ?? null, e.userAgent ?? null, e.detail === undefined ? null : JSON.stringify(e.detail)],
    );
  }

  async query(query: AuditQuery = {}): Promise<StoredAuditEvent[]> {
    const clauses: string[] = [];
    const values: unknown[] = [];
    for (const [key, clause] of Object.entries(FILTERS) as Array<[keyof typeof FILTERS, string]>) {
      const value = query[key];
      if (value === undefined) continue;
      values.push(value);
      clauses.push(`${clause} $${values.length}`);
    }
    values.push(auditLimit(query.limit));
    const where = clauses.length ? ` WHERE ${clauses.join(' AND ')}` : '';
    const rows = await this.#query<AuditRow>(`SELECT * FROM ${this.#table}${where} ORDER BY id DESC LIMIT $${values.length}`, values);
    return rows.map(toEvent);
  }

  async countByDay(type: AuditEventType, since: number): Promise<Array<{ day: string; result: 'success' | 'failure'; count: number }>> {
    // Exact integer day arithmetic (no time zone or float involved): day n after 1970-01-01 UTC.
    const rows = await this.#query<{ day: string; result: 'success' | 'failure'; count: string }>(
      `SELECT to_char(DATE '1970-01-01' + (at / 86400000)::int, 'YYYY-MM-DD') AS day, result, COUNT(*) AS count
         FROM ${this.#table} WHERE type = $1 AND at >= $2
         GROUP BY 1, result ORDER BY 1, result COLLATE "C"`,
      [type, since],
    );
    return rows.map((row) => ({ day: row.day, result: row.result, count: Number(row.count) }));
  }

  async countFailuresByReason(since: number): Promise<Array<{ reason: string; count: number }>> {
    const rows = await this.#query<{ reason: string; count: string }>(
      `SELECT COALESCE(reason, 'unknown') AS reason, COUNT(*) AS count
         FROM ${this.#table} WHERE result = 'failure' AND at >= $1
         GROUP BY 1 ORDER BY 2 DESC, COALESCE(reason, 'unknown') COLLATE "C"`,
      [since],
    );
    return rows.map((row) => ({ reason: row.reason, count: Number(row.count) }));
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#pool.end();
  }
}
