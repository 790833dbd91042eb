/**
 * The one place the app names `@gatehouse/auth` types, so pages and tests import them from here.
 */
export type {
  AuditEvent,
  AuditLog,
  AuditQuery,
  AuditSink,
  AuditEventType,
  Permission,
  Role,
  SessionRecord,
  SessionStore,
  StoredAuditEvent,
  TransactionStore,
} from '@gatehouse/auth';
export type { AuthEnv } from '@gatehouse/auth/hono';
export type { GatehouseConfig } from '@gatehouse/auth/config';
export type { Auth, AuthState } from '@gatehouse/auth';
