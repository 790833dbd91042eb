/**
 * What the web app is built from, in one place: the `@gatehouse/auth` types the pages name, the
 * store factory, and {@link AppDeps}. `assembly.ts` assembles the real parts; tests assemble the
 * same real parts (stores in a temp directory, the real auth package, the emulator) — no fakes.
 */
import type { GatehouseApp } from '@gatehouse/app-kit';
import type { Logger } from 'pino';
import type { LimitCounters } from '@gatehouse/auth/stores/counters';
import type { Auth, AuditLog, AuthStore } from '@gatehouse/auth';
import type { GatehouseConfig } from '@gatehouse/auth/config';
import type { SpoolStatus } from '@gatehouse/auth/stores/audit-spool';
import type { DrainState } from './drain.ts';
import type { OktaDirectory } from './management-api/directory.ts';
import type { LiveHub } from './routes/live/hub.ts';
import type { AppMetrics } from './observability/metrics.ts';

/** The `@gatehouse/auth` types the app names, so pages and tests import them from here. */
export type {
  AuditEvent,
  AuditLog,
  AuditQuery,
  AuditSink,
  AuditEventType,
  AuthStore,
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

/**
 * Opens the configured stores: sessions and login transactions on SQLite, PostgreSQL or Redis
 * (`DATABASE_URL`, `REDIS_URL`), the audit log on `DATABASE_URL`.
 */
export { openStores, type OpenedStores as OpenStores, type OpenStoresOptions } from '@gatehouse/auth/stores/factory';
export { schedulePurge } from '@gatehouse/auth/stores/purge';

/** A per-client budget of failed requests. */
export interface RateLimitOptions {
  /** Failed requests allowed per window per client (an IPv4 address or an IPv6 /64). */
  limit: number;
  /** Window length, in ms. */
  windowMs: number;
}

/** What `createApp` is built from: assembled by `assembly.ts`, or by the test harness from the same real parts. */
export interface AppDeps {
  config: GatehouseConfig;
  auth: Auth;
  /** The raw store, for readiness and metrics; pages read and write sessions through `auth.sessions`. */
  sessions: AuthStore;
  /** The audit log, already wrapped by `metrics.countAuditEvents` (the same one `auth` writes to). */
  audit: AuditLog;
  /** Okta Management API; `null` when no API token or service app is configured. */
  directory: OktaDirectory | null;
  metrics: AppMetrics;
  /** This instance's open `GET /live` streams, fed by `auth.events` and the audit log. */
  live: LiveHub;
  logger: Logger;
  /** Failed sign-in callbacks and bearer tokens per client; default AUTH_RATE_LIMIT_PER_MINUTE (30) a minute. */
  authRateLimit?: RateLimitOptions;
  /** The rate limiter's counters; default: shared through Redis when the sessions are, else in process. */
  counters?: LimitCounters;
  /** The project's other apps, mounted at `/apps/<name>/` (see `project/mount.tsx`); default none. */
  apps?: readonly GatehouseApp[];
  /**
   * The graceful drain of the running server (absent under `app.request()` tests): `/readyz` is
   * 503 while `draining`; long-lived responses (Server-Sent Events) end when `signal` aborts.
   */
  drain?: DrainState;
  /** The audit spool of the running server (absent in `app.request()` tests): `/readyz` reports what waits in it. */
  auditSpool?: { status(): SpoolStatus };
}
