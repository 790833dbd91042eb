/**
 * A session as a row of `auth_sessions`, the table the SQLite and PostgreSQL stores share (same
 * column names, one column per scalar, JSON as TEXT), and the DDL of the tables both create. Both
 * stores create and map through here so a column added to one cannot go missing from the other.
 */
import type { SessionRecord } from '../../types.ts';
import type { SqlDialect } from './audit-sql.ts';

/**
 * The DDL of `auth_sessions`, `auth_login_transactions` and `auth_leases` and their indexes, each
 * table name after `qualifier` (`"schema".` or nothing), created if absent. Times are epoch ms in a
 * 64-bit integer (pg hands BIGINT back as a string; converted in {@link sessionFromRow}). JSON is
 * TEXT, not PostgreSQL's JSONB, so records round-trip byte for byte (JSONB reorders keys and
 * rejects \u0000). `user` is quoted: it is a reserved word in PostgreSQL.
 */
export function sessionSchemaSql(qualifier: string, dialect: SqlDialect): string {
  const integer = dialect === 'sqlite' ? 'INTEGER' : 'BIGINT';
  // auth_sessions stays a rowid table in SQLite on purpose: its rows carry ~3 kB of encrypted
  // tokens, and WITHOUT ROWID tables store whole rows in the key b-tree, which made `get` 3-4x
  // slower. The two other tables have short rows and a text key, what WITHOUT ROWID is meant for.
  const keyed = dialect === 'sqlite' ? ' WITHOUT ROWID' : '';
  return `
CREATE TABLE IF NOT EXISTS ${qualifier}auth_sessions (
  id TEXT PRIMARY KEY NOT NULL,
  secret_hash TEXT NOT NULL,
  sub TEXT NOT NULL,
  "user" TEXT NOT NULL,
  roles TEXT NOT NULL,
  claims TEXT NOT NULL,
  tokens TEXT NOT NULL,
  access_token_expires_at ${integer} NOT NULL,
  created_at ${integer} NOT NULL,
  last_seen_at ${integer} NOT NULL,
  expires_at ${integer} NOT NULL,
  absolute_expires_at ${integer} NOT NULL,
  user_agent TEXT,
  ip TEXT
);
CREATE INDEX IF NOT EXISTS auth_sessions_by_user ON ${qualifier}auth_sessions (sub, created_at);
CREATE INDEX IF NOT EXISTS auth_sessions_by_created ON ${qualifier}auth_sessions (created_at);
CREATE INDEX IF NOT EXISTS auth_sessions_by_expiry ON ${qualifier}auth_sessions (expires_at);
CREATE TABLE IF NOT EXISTS ${qualifier}auth_login_transactions (
  state TEXT PRIMARY KEY NOT NULL,
  data TEXT NOT NULL,
  expires_at ${integer} NOT NULL
)${keyed};
CREATE INDEX IF NOT EXISTS auth_login_transactions_by_expiry ON ${qualifier}auth_login_transactions (expires_at);
CREATE TABLE IF NOT EXISTS ${qualifier}auth_leases (
  name TEXT PRIMARY KEY NOT NULL,
  holder TEXT NOT NULL,
  expires_at ${integer} NOT NULL
)${keyed};
`;
}

/** The columns of `auth_sessions`, in table order. */
export const SESSION_COLUMNS = [
  'id',
  'secret_hash',
  'sub',
  'user',
  'roles',
  'claims',
  'tokens',
  'access_token_expires_at',
  'created_at',
  'last_seen_at',
  'expires_at',
  'absolute_expires_at',
  'user_agent',
  'ip',
] as const;

/** The columns `update` rewrites (a token refresh may change who the user is and what they hold), besides the `id` it is keyed by. */
export const SESSION_UPDATE_COLUMNS = ['sub', 'user', 'roles', 'claims', 'tokens', 'access_token_expires_at'] as const;

/**
 * One `auth_sessions` row. Times are epoch ms; `Time` is `number` for what is written, and also
 * `string` for what PostgreSQL reads back (pg returns BIGINT as a string to avoid precision loss).
 * A type alias, not an interface, so a row binds directly as `node:sqlite` named parameters.
 */
export type SessionRow<Time extends number | string = number> = {
  id: string;
  secret_hash: string;
  sub: string;
  user: string;
  roles: string;
  claims: string;
  tokens: string;
  access_token_expires_at: Time;
  created_at: Time;
  last_seen_at: Time;
  expires_at: Time;
  absolute_expires_at: Time;
  user_agent: string | null;
  ip: string | null;
};

/** The part of a row that `update` writes: {@link SESSION_UPDATE_COLUMNS} and the `id`. */
export type SessionUpdateRow = Pick<SessionRow, 'id' | (typeof SESSION_UPDATE_COLUMNS)[number]>;

/** The columns `update` writes for a session. */
export function sessionUpdateRow(session: SessionRecord): SessionUpdateRow {
  return {
    id: session.id,
    sub: session.user.sub,
    user: JSON.stringify(session.user),
    roles: JSON.stringify(session.roles),
    claims: JSON.stringify(session.claims),
    tokens: session.tokens,
    access_token_expires_at: session.accessTokenExpiresAt,
  };
}

/** The whole row `create` inserts for a session. */
export function sessionToRow(session: SessionRecord): SessionRow {
  return {
    ...sessionUpdateRow(session),
    secret_hash: session.secretHash,
    created_at: session.createdAt,
    last_seen_at: session.lastSeenAt,
    expires_at: session.expiresAt,
    absolute_expires_at: session.absoluteExpiresAt,
    user_agent: session.userAgent,
    ip: session.ip,
  };
}

/** The session a row read back holds (`sub` is only an index column: the record keeps it in `user`). */
export function sessionFromRow(row: SessionRow<number | string>): SessionRecord {
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
