/**
 * What the web app is built from. `server.ts` assembles the real ones; tests assemble the same
 * real parts (stores in a temp directory, the real auth package, the emulator) — no fakes.
 */
import type { Logger } from 'pino';
import type { Auth, AuditLog, GatehouseConfig, SessionStore } from './auth.ts';
import type { OktaDirectory } from './okta/directory.ts';
import type { AppMetrics } from './routes/ops/metrics.ts';

/** A per-client-IP request budget. */
export interface RateLimitOptions {
  /** Requests allowed per window per client IP. */
  limit: number;
  /** Window length, in ms. */
  windowMs: number;
}

/** What `createApp` is built from: assembled by `server.ts`, or by the test harness from the same real parts. */
export interface AppDeps {
  config: GatehouseConfig;
  auth: Auth;
  sessions: SessionStore;
  /** The audit log, already wrapped by `metrics.countAuditEvents` (the same one `auth` writes to). */
  audit: AuditLog;
  /** Okta Management API; `null` when no API token or service app is configured. */
  directory: OktaDirectory | null;
  metrics: AppMetrics;
  logger: Logger;
  /** Per-IP limit on `/auth/*`. Default 30 per minute. */
  authRateLimit?: RateLimitOptions;
}
