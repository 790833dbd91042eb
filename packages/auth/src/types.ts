/**
 * The shared vocabulary of `@gatehouse/auth`: what a session, a role, a permission, an audit
 * event and a store are. Every other module of the package (and the apps) speaks these types.
 */

/** Roles built into Gatehouse. Okta groups map to them through config (`GATEHOUSE_*_GROUPS`). */
export type CoreRole = 'admin' | 'viewer';

/**
 * Roles the project's apps add, by declaration merging — an app's `rbac.ts` says
 * `declare module '@gatehouse/auth' { interface AppRoleRegistry { 'approvals-user': true } }` and
 * declares the same role at run time in its manifest (see `createRoleTable` in `rbac.ts`), where the
 * Okta groups granting it come from `GATEHOUSE_ROLE_<ROLE>_GROUPS`.
 */
export interface AppRoleRegistry {}

/** Every role of the project: the core ones and those its apps register. */
export type Role = CoreRole | Extract<keyof AppRoleRegistry, string>;

/** The core's typed permissions; roles map to permissions in one table (`rbac.ts`). */
export type CorePermission =
  | 'dashboards:read'
  | 'profile:read'
  | 'users:read'
  | 'users:manage'
  | 'sessions:read'
  | 'sessions:revoke'
  | 'audit:read'
  | 'settings:read';

/** Permissions the project's apps add, by declaration merging like {@link AppRoleRegistry} (`'approvals:read': true`). */
export interface AppPermissionRegistry {}

/** Every typed permission of the project: the core's and its apps'. */
export type Permission = CorePermission | Extract<keyof AppPermissionRegistry, string>;

/** The signed-in person, as the app sees them (from the ID token / userinfo claims). */
export interface AuthUser {
  /** Okta user id (`00u…`). */
  sub: string;
  email: string | null;
  name: string | null;
  /** Exact Okta group names from the `groups` claim; empty when the claim was missing. */
  groups: string[];
}

/**
 * A stored server-side session. Only a SHA-256 of the token secret is stored (`secretHash`);
 * the OIDC tokens are stored encrypted (`tokens`, AES-256-GCM, see `crypto.ts`) and are not
 * decrypted on the per-request path.
 */
export interface SessionRecord {
  /** Public session id (first half of the cookie token `<id>.<secret>`). */
  id: string;
  /** SHA-256 of the token secret, base64url. */
  secretHash: string;
  user: AuthUser;
  roles: Role[];
  /** Selected ID token claims kept for the profile page and step-up checks. */
  claims: {
    auth_time?: number;
    amr?: string[];
    acr?: string;
    preferred_username?: string;
    idp?: string;
    [claim: string]: unknown;
  };
  /** Encrypted token bundle (id, access, refresh token), opaque to stores. */
  tokens: string;
  /** Access token expiry, epoch ms; refresh happens before this. */
  accessTokenExpiresAt: number;
  /** Epoch ms. */
  createdAt: number;
  /** Last time the session was seen (throttled writes), epoch ms. */
  lastSeenAt: number;
  /** Idle expiry: lastSeenAt + idle timeout, capped by absoluteExpiresAt; epoch ms. */
  expiresAt: number;
  /** createdAt + absolute lifetime; epoch ms. */
  absoluteExpiresAt: number;
  /** Short, non-identifying summary for the admin panel ("Chrome on Linux", "203.0.113.0/24"). */
  userAgent: string | null;
  ip: string | null;
}

/** Filters for listing sessions in the admin panel. */
export interface SessionListQuery {
  sub?: string;
  limit?: number;
  offset?: number;
}

/**
 * Session persistence, and nothing more: every rule (expiry, sliding renewal, refresh once, re-role
 * under the lease) lives in the session manager (`session/manager.ts`), the one path to sessions.
 * Every implementation (memory, SQLite, Redis, PostgreSQL) must pass the one conformance suite in
 * `testing/session-store-conformance.ts`. `get` is the only call on the per-request path and must be a single indexed read.
 */
export interface SessionStore {
  create(session: SessionRecord): Promise<void>;
  /** Returns the record even if expired; callers check expiry. `null` when absent. */
  get(id: string): Promise<SessionRecord | null>;
  /** Updates lastSeenAt/expiresAt (sliding renewal). No-op when absent. */
  touch(id: string, lastSeenAt: number, expiresAt: number): Promise<void>;
  /** Replaces user, roles, claims, tokens and accessTokenExpiresAt after a refresh. */
  update(session: SessionRecord): Promise<void>;
  delete(id: string): Promise<void>;
  /** Deletes every session of a user; returns how many were deleted. */
  deleteByUser(sub: string): Promise<number>;
  /** Unexpired sessions, newest first. */
  list(query?: SessionListQuery): Promise<SessionRecord[]>;
  /** Count of unexpired sessions (for dashboards and metrics). */
  count(now?: number): Promise<number>;
  /** Removes expired sessions; returns how many. */
  purgeExpired(now?: number): Promise<number>;
  /** Whether the backing store answers (readiness). */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

/**
 * Short, self-expiring, per-key locks held by a named holder, shared by every instance on one
 * backend: the session manager refreshes a session's tokens (and re-roles it) under the lease
 * `refresh:<sessionId>`; the lifecycle endpoints claim a delivery or a token id (`jti`) once.
 * @see docs/decisions/011-leases-and-one-path-to-sessions.md
 */
export interface LeaseStore {
  /**
   * Takes the lease `key` for `holder` for `ttlMs` milliseconds (a positive integer). Resolves
   * `true` when the lease was free, had expired, or was already `holder`'s (its expiry then moves
   * to now + `ttlMs`), and `false` while another holder has it. One atomic step, so of concurrent
   * callers on every instance sharing the store exactly one gets it. A lease expires by itself,
   * so a crashed holder blocks the others for at most `ttlMs`.
   */
  acquireLease(key: string, holder: string, ttlMs: number): Promise<boolean>;
  /** Gives up the lease `key` if `holder` has it; a no-op otherwise (only the holder releases). */
  releaseLease(key: string, holder: string): Promise<void>;
}

/** What one backend (memory, SQLite, Redis, PostgreSQL) gives the auth core: its three ports, in one connection. */
export type AuthStore = SessionStore & TransactionStore & LeaseStore;

/** Reads a user's groups at the IdP (Okta's Management API); the app provides it (Okta's Management API client). */
export interface UserDirectory {
  /**
   * Every group name of the user, all pages read (`GET /api/v1/users/{id}/groups`). Rejects when
   * the list cannot be read completely: roles are never computed from part of it.
   */
  userGroups(userId: string): Promise<string[]>;
}

/** Audit event types emitted by the auth core and the app. */
export type AuditEventType =
  | 'signin.started'
  | 'signin.succeeded'
  | 'signin.failed'
  | 'signout'
  | 'refresh.succeeded'
  | 'refresh.failed'
  | 'session.revoked'
  | 'access.denied'
  | 'stepup.required'
  | 'admin.action'
  | 'role.granted'
  /** Okta (Event Hook, Universal Logout, back-channel logout) or the admin panel ended or re-roled a user's sessions. */
  | 'lifecycle.event';

/** One audit record as emitted by the auth core or the app; must never carry a secret, token or cookie value. */
export interface AuditEvent {
  type: AuditEventType;
  /** 'success' or 'failure'. */
  result: 'success' | 'failure';
  /** Machine-readable reason code (an `AuthErrorCode` lowercased, `groups_claim_missing`, …). */
  reason?: string;
  /** Okta user id when known. */
  sub?: string;
  email?: string;
  sessionId?: string;
  ip?: string;
  userAgent?: string;
  /** Free-form, non-secret details (path asked for, target user of an admin action, …). */
  detail?: Record<string, string | number | boolean | null>;
  /** Epoch ms; set by the sink when absent. */
  at?: number;
}

/** An audit event as read back: with its id and time filled in. */
export interface StoredAuditEvent extends AuditEvent {
  /** Increasing in insertion order; the keyset for {@link AuditQuery.before}. */
  id: number;
  /** Epoch ms. */
  at: number;
}

/** Filters of {@link AuditLog.query}; all optional and ANDed, results newest first. */
export interface AuditQuery {
  sub?: string;
  email?: string;
  type?: AuditEventType;
  result?: 'success' | 'failure';
  /** Epoch ms, inclusive. */
  since?: number;
  /** Epoch ms, exclusive. */
  until?: number;
  /** Default 100, at most 1000. */
  limit?: number;
  /** Return events with id < before (keyset pagination, newest first). */
  before?: number;
}

/** Where audit events go. The app stores them (SQLite by default) and reads them back. */
export interface AuditSink {
  record(event: AuditEvent): Promise<void>;
}

/** An {@link AuditSink} that can also be read back, for the admin audit pages and dashboards. */
export interface AuditLog extends AuditSink {
  query(query?: AuditQuery): Promise<StoredAuditEvent[]>;
  /** Counts grouped by UTC day (YYYY-MM-DD) and result, for `type`, since `since`. */
  countByDay(type: AuditEventType, since: number): Promise<Array<{ day: string; result: 'success' | 'failure'; count: number }>>;
  /** Failure counts by reason since `since`. */
  countFailuresByReason(since: number): Promise<Array<{ reason: string; count: number }>>;
  /** Deletes events recorded before `cutoff` (epoch ms; AUDIT_RETENTION_DAYS); resolves to how many. */
  purgeBefore?(cutoff: number): Promise<number>;
  close(): Promise<void>;
}

/**
 * A login in flight (between `/auth/login` and `/auth/callback`), kept server-side and bound to
 * the browser that started it by a random cookie whose SHA-256 is `browserBinding`.
 * Single-use: `takeTransaction` deletes and returns atomically, so a replayed callback finds nothing.
 */
export interface LoginTransaction {
  state: string;
  codeVerifier: string;
  nonce: string;
  returnTo: string;
  /** SHA-256 (base64url) of the browser-binding cookie value. */
  browserBinding: string;
  /** Step-up parameters asked for, checked again on return. */
  maxAge?: number;
  acrValues?: string;
  createdAt: number;
  /** createdAt + 10 min; epoch ms. */
  expiresAt: number;
}

/** Where {@link LoginTransaction}s wait between `/auth/login` and `/auth/callback`. */
export interface TransactionStore {
  putTransaction(tx: LoginTransaction): Promise<void>;
  /** Atomically deletes and returns the transaction (even if expired; callers check). */
  takeTransaction(state: string): Promise<LoginTransaction | null>;
}
