/**
 * The SQL the SQLite and PostgreSQL audit logs share: one `auth_audit_events` table with the same
 * columns and indexes, so creating it, inserting an event, filtering an {@link AuditQuery} and
 * reading rows back differ only in a few words of each dialect (the id column, the integer type,
 * the placeholder: `?` or `$n`).
 */
import type { AuditEvent, AuditEventType, AuditQuery, StoredAuditEvent } from '../../types.ts';
import { auditFields } from './audit-fields.ts';
import { auditLimit } from './paging.ts';

/** The SQL dialect a statement is written for. */
export type SqlDialect = 'sqlite' | 'postgres';

/** A statement and the values for its placeholders, in order. */
export interface AuditStatement {
  sql: string;
  values: Array<string | number>;
}

// How each driver writes the n-th parameter.
const placeholder = (dialect: SqlDialect, n: number) => (dialect === 'sqlite' ? '?' : `$${n}`);

/**
 * The DDL of `table` (`auth_audit_events`, qualified or not) and its indexes, created if absent.
 * Times are epoch ms in a 64-bit integer; `detail` is JSON as TEXT.
 */
export function auditSchemaSql(table: string, dialect: SqlDialect): string {
  const [id, integer] = dialect === 'sqlite'
    ? ['INTEGER PRIMARY KEY AUTOINCREMENT', 'INTEGER']
    : ['BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY', 'BIGINT'];
  return `
CREATE TABLE IF NOT EXISTS ${table} (
  id ${id},
  at ${integer} NOT NULL,
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
CREATE INDEX IF NOT EXISTS auth_audit_events_by_type ON ${table} (type, at);
CREATE INDEX IF NOT EXISTS auth_audit_events_by_result ON ${table} (result, at);
CREATE INDEX IF NOT EXISTS auth_audit_events_by_sub ON ${table} (sub, id);
CREATE INDEX IF NOT EXISTS auth_audit_events_by_email ON ${table} (email, id);
`;
}

/**
 * One `auth_audit_events` row as read back. `Num` is `number` for SQLite and `string` for
 * PostgreSQL (pg returns BIGINT as a string to avoid precision loss).
 */
export interface AuditRow<Num extends number | string = number | string> {
  id: Num;
  at: Num;
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

/** The event a row holds; SQL NULL becomes an absent field, as in `MemoryAuditLog`. */
export function auditEventFromRow(row: AuditRow): StoredAuditEvent {
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

const INSERT_COLUMNS = ['at', 'type', 'result', 'reason', 'sub', 'email', 'session_id', 'ip', 'user_agent', 'detail'] as const;

/** The INSERT of one event into `table`, taking {@link auditInsertValues}; the same for every event, so it can be prepared once. */
export function auditInsertSql(table: string, dialect: SqlDialect): string {
  return `INSERT INTO ${table} (${INSERT_COLUMNS.join(', ')}) VALUES (${INSERT_COLUMNS.map((_, i) => placeholder(dialect, i + 1)).join(', ')})`;
}

/** The values {@link auditInsertSql} takes: only the event's known fields, `at` defaulting to now. */
export function auditInsertValues(event: AuditEvent): Array<string | number | null> {
  const e = auditFields(event, event.at ?? Date.now());
  return [e.at, e.type, e.result, e.reason ?? null, e.sub ?? null, e.email ?? null, e.sessionId ?? null, e.ip ?? null, e.userAgent ?? null, e.detail === undefined ? null : JSON.stringify(e.detail)];
}

// Each filter is a fixed SQL fragment followed by one placeholder; values never reach the SQL text.
const FILTERS = {
  before: 'id <',
  sub: 'sub =',
  email: 'email =',
  type: 'type =',
  result: 'result =',
  since: 'at >=',
  until: 'at <',
} as const satisfies Partial<Record<keyof AuditQuery, string>>;

/**
 * The SELECT for an audit query on `table`: newest first, keyset pagination on `id` (`before`),
 * `since` inclusive, `until` exclusive, the limit clamped. The SQL text depends only on which
 * filters are set, so a driver may cache one prepared statement per text.
 */
export function auditSelect(table: string, query: AuditQuery, dialect: SqlDialect): AuditStatement {
  const clauses: string[] = [];
  const values: Array<string | number> = [];
  for (const [key, clause] of Object.entries(FILTERS) as Array<[keyof typeof FILTERS, string]>) {
    const value = query[key];
    if (value === undefined) continue;
    values.push(value);
    clauses.push(`${clause} ${placeholder(dialect, values.length)}`);
  }
  values.push(auditLimit(query.limit));
  const where = clauses.length ? ` WHERE ${clauses.join(' AND ')}` : '';
  return { sql: `SELECT * FROM ${table}${where} ORDER BY id DESC LIMIT ${placeholder(dialect, values.length)}`, values };
}
