/**
 * Starts the dashboard: config → stores → auth core → app → HTTP server, and closes all of it in
 * reverse order. Used by `main.ts` (standalone), `scripts/start.ts` (`npm start`) and tests.
 */
import { serve, type ServerType } from '@hono/node-server';
import { join, resolve } from 'node:path';
import pino, { type Logger } from 'pino';
import { createAuth } from '@gatehouse/auth';
import { loadConfig, type GatehouseConfig } from '@gatehouse/auth/config';
import { SpoolingAuditLog } from '@gatehouse/auth/stores/audit-spool';
import type { Hono } from 'hono';
import { createApp } from './app.ts';
import { aggregateAnonymousRepeats, type AggregatingAuditLog } from './audit-aggregate.ts';
import { startMetricsServer } from './metrics-server.ts';
import type { AuthEnv } from './auth.ts';
import type { AppDeps, RateLimitOptions } from './deps.ts';
import { DrainController, type DrainReport } from './drain.ts';
import { OktaDirectory } from './okta/directory.ts';
import { createMetrics, type AppMetrics } from './routes/ops/metrics.ts';
import { openStores, schedulePurge, type OpenStores, type OpenStoresOptions } from './stores.ts';
import { renderRestarting, renderSignInError } from './views/status-pages.tsx';
import { createLiveHub, type LiveHubOptions } from './routes/live/hub.ts';
import { registerLiveMetrics } from './routes/live/metrics.ts';
import { discoverApps } from './project/discover.ts';
import { appRoles } from './project/mount.tsx';

/** Overrides for {@link startDashboard}; everything defaults to the configuration. */
export interface StartDashboardOptions {
  /** Defaults to `loadConfig()` (environment, `.env`, `NAME_FILE` secrets). */
  config?: GatehouseConfig;
  /** Overrides `config.port`; `0` picks a free port (tests). */
  port?: number;
  /** Host to bind; default all interfaces (`::`/`0.0.0.0`), as a container needs. */
  hostname?: string;
  logger?: Logger;
  /** Failed sign-in callbacks / bearer tokens per client; default `AUTH_RATE_LIMIT_PER_MINUTE` (30) per minute. */
  authRateLimit?: RateLimitOptions;
  /** Overrides `config.metrics.port` (`null`: no metrics listener); defaults to `0` when `port` is `0` (tests). */
  metricsPort?: number | null;
  /** The project's other apps, mounted at `/apps/<name>/`; default: discovered from the workspaces (`project/discover.ts`). */
  apps?: AppDeps['apps'];
  /** Per-backend store options (tests: a PostgreSQL schema or Redis key prefix of their own). */
  storeOptions?: Pick<OpenStoresOptions, 'postgres' | 'redis'>;
}

/** A listening dashboard. */
export interface RunningDashboard {
  /** Where the server listens locally, e.g. `http://localhost:3000` (users open `config.appBaseUrl`). */
  url: string;
  /** Where `/metrics` is served on its own port (`null` when METRICS_TOKEN keeps it on the app port). */
  metricsUrl: string | null;
  /**
   * Drains and stops: readiness 503 at once, the listener closes (after `SHUTDOWN_DELAY`), every
   * request already received is answered (`Connection: close`), idle keep-alive connections close,
   * and what still runs at `SHUTDOWN_TIMEOUT` gets a retryable 503; then the stores close.
   * Idempotent: every call returns the same promise.
   */
  close(): Promise<void>;
  /** Requests received and not yet answered (for tests and the stop log). */
  readonly inFlight: number;
}

/**
 * Starts the dashboard server and resolves once it listens.
 * @see ARCHITECTURE.md "Commands" and "Configuration"
 */
export async function startDashboard(options: StartDashboardOptions = {}): Promise<RunningDashboard> {
  const config = options.config ?? loadConfig();
  const logger = options.logger ?? pino({ level: config.logLevel, base: { app: 'gatehouse-dashboard' } });
  // Bound once the app is assembled; store failures before that only reach the log.
  let metrics: AppMetrics | undefined;
  const openedAt: Record<string, number> = {};
  const stores = await openStores(config, {
    ...options.storeOptions,
    // Name and code only: a driver's message may quote the connection URL.
    onBusError: (err: Error) => logger.warn({ error: err.name, code: (err as { code?: unknown }).code }, 'session-event bus connection lost; reconnecting'),
    onStoreFailure: (store, cause) => metrics?.countStoreFailure(store, cause),
    onBreakerChange: (store, state) => {
      metrics?.setBreakerState(store, state);
      if (state === 'open') {
        openedAt[store] ??= Date.now();
        logger.error({ store, cooldownMs: config.store.breakerCooldownMs }, 'store circuit breaker open: calls fail fast until a trial call succeeds');
      } else if (state === 'closed') {
        // How long the store was out, as this instance saw it: the measured recovery.
        const outageMs = openedAt[store] === undefined ? null : Date.now() - openedAt[store];
        delete openedAt[store];
        logger.warn({ store, outageMs }, 'store circuit breaker closed: the store answers again');
      } else logger.warn({ store }, 'store circuit breaker half-open: trying one call');
    },
  });
  try {
    const drain = new DrainController(renderRestarting);
    const auditSpool = await SpoolingAuditLog.open(stores.audit, {
      path: join(resolve(config.dataDir), 'audit-spool.jsonl'),
      maxBytes: config.auditSpool.maxBytes,
      retryMs: config.auditSpool.retryMs,
      logger: logger.child({ component: 'audit-spool' }),
      onLost: (count) => metrics?.countAuditLost(count),
    });
    const { app, deps } = await assembleApp(config, { ...stores, audit: auditSpool }, {
      logger,
      directory: OktaDirectory.fromConfig(config, logger),
      authRateLimit: options.authRateLimit ?? { limit: config.rateLimit.authPerMinute, windowMs: 60_000 },
      apps: options.apps ?? await discoverApps(),
      drain,
      auditSpool,
    });
    metrics = deps.metrics;
    metrics.observeAuditSpool(() => auditSpool.status());
    const port = options.port ?? config.port;
    const server = await listen(drain.wrap(app.fetch), port, options.hostname);
    const address = server.address();
    const boundPort = typeof address === 'object' && address ? address.port : port;
    const url = `http://localhost:${boundPort}`;
    logger.info({ url, appBaseUrl: config.appBaseUrl }, 'dashboard listening');
    const metricsPort = options.metricsPort !== undefined ? options.metricsPort : port === 0 ? 0 : config.metrics.port;
    const metricsServer = metricsPort === null ? null : await startMetricsServer(deps.metrics, metricsPort, options.hostname);
    const stopPurge = schedulePurge(stores.sessions, {
      audit: { log: stores.audit, retentionDays: config.auditRetentionDays },
      onError: (err: unknown) => logger.warn({ error: err instanceof Error ? err.name : typeof err }, 'session purge failed'),
    });

    let closing: Promise<void> | undefined;
    return {
      url,
      metricsUrl: metricsServer?.url ?? null,
      get inFlight() {
        return drain.inFlight;
      },
      close() {
        closing ??= (async () => {
          stopPurge();
          // Open live streams would hold the drain open until its deadline; browsers reconnect elsewhere.
          await deps.live.closeAll();
          const { timeoutSeconds, delaySeconds } = config.shutdown;
          logger.info({ inFlight: drain.inFlight, timeoutSeconds, delaySeconds }, 'draining: readiness is 503, finishing requests in flight');
          const report: DrainReport = await drain.drain(server, { timeoutMs: timeoutSeconds * 1000, delayMs: delaySeconds * 1000 });
          if (report.interrupted > 0) logger.warn(report, 'drain deadline reached: requests still running were answered 503 (retryable)');
          // After the last request: their audit events are in, then the aggregated repeats are written.
          await (deps.audit as Partial<AggregatingAuditLog>).flush?.();
          await metricsServer?.close();
          // Last chance to write what the spool holds; what the store still refuses waits in the file for the next start.
          await auditSpool.flush().catch(() => {});
          const spooled = auditSpool.status();
          if (spooled.pending > 0) logger.warn({ pending: spooled.pending }, 'audit events still spooled at stop: written at the next start');
          await auditSpool.close();
          await stores.close();
          logger.info({ drainMs: report.ms }, 'dashboard stopped');
        })();
        return closing;
      },
    };
  } catch (err) {
    await stores.close();
    throw err;
  }
}

/**
 * The one wiring of the app over opened stores: metrics, the audit log wrapped so every event is
 * counted, the auth core writing to that same log, then `createApp`. The server and the test
 * harness both build the app through it.
 */
export async function assembleApp(
  config: GatehouseConfig,
  stores: OpenStores,
  options: Pick<AppDeps, 'logger' | 'directory' | 'authRateLimit' | 'drain' | 'auditSpool' | 'apps'> & { live?: Pick<LiveHubOptions, 'coalesceMs' | 'heartbeatMs'> },
): Promise<{ app: Hono<AuthEnv>; deps: AppDeps }> {
  const { live: liveTimings, ...appOptions } = options;
  const metrics = createMetrics(stores.sessions);
  const live = createLiveHub(stores.sessions, {
    ...liveTimings,
    maxStreams: config.live.maxStreams,
    maxStreamsPerSession: config.live.streamsPerSession,
    onError: (err, step) => options.logger.warn({ step, error: err instanceof Error ? err.name : typeof err }, 'live stream check failed'),
  });
  registerLiveMetrics(metrics.registry, live);
  const audit = aggregateAnonymousRepeats(live.tapAudit(metrics.countAuditEvents(stores.audit)), { onAggregated: (event) => metrics.countAggregated(event.type, event.reason) });
  const auth = await createAuth(config, {
    sessions: stores.sessions,
    audit,
    events: stores.events,
    directory: options.directory ? { userGroups: (id) => options.directory!.allUserGroupNames(id) } : null,
    logger: options.logger.child({ component: 'auth' }),
    renderError: renderSignInError,
    roles: appRoles(options.apps ?? []),
  });
  live.attach(auth.events);
  const deps: AppDeps = { config, auth, sessions: stores.sessions, audit, metrics, live, ...appOptions };
  return { app: createApp(deps), deps };
}

function listen(fetch: (request: Request, env?: unknown) => Response | Promise<Response>, port: number, hostname: string | undefined): Promise<ServerType> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch, port, ...(hostname ? { hostname } : {}) }, () => resolve(server));
    server.once('error', reject);
  });
}
