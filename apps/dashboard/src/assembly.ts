/**
 * The app's assembly: stores → audit spool → metrics and live hub → auth core → app, and the
 * closing of all of it in reverse order. `server.ts` listens on what {@link openDashboard} builds;
 * the test harness and the benchmarks build the app through {@link assembleApp} over stores of
 * their own.
 */
import { join, resolve } from 'node:path';
import type { Logger } from 'pino';
import { createAuth, type AuthDeps } from '@gatehouse/auth';
import type { GatehouseConfig } from '@gatehouse/auth/config';
import { SpoolingAuditLog } from '@gatehouse/auth/stores/audit-spool';
import type { Hono } from 'hono';
import { createApp } from './app.ts';
import { aggregateAnonymousRepeats, type AggregatingAuditLog } from './audit-aggregate.ts';
import { openStores, schedulePurge, type AppDeps, type AuthEnv, type OpenStores, type OpenStoresOptions } from './app-context.ts';
import { OktaDirectory } from './management-api/directory.ts';
import { createMetrics, type AppMetrics } from './observability/metrics.ts';
import { renderSignInError } from './views/status-pages.tsx';
import { createLiveHub, type LiveHubOptions } from './routes/live/hub.ts';
import { registerLiveMetrics } from './routes/live/metrics.ts';
import { appRoles } from './project/mount.tsx';

/** What {@link openDashboard} needs besides the configuration. */
export interface OpenDashboardOptions extends Pick<AppDeps, 'logger' | 'authRateLimit' | 'apps' | 'drain'> {
  /** Per-backend store options (tests: a PostgreSQL schema or Redis key prefix of their own). */
  storeOptions?: Pick<OpenStoresOptions, 'postgres' | 'redis'>;
}

/** The app over the configured stores, not yet listening. */
export interface OpenedDashboard {
  app: Hono<AuthEnv>;
  deps: AppDeps;
  /**
   * After the last request: stops the purge, writes the aggregated audit repeats and what the
   * spool holds, then closes the stores.
   */
  close(): Promise<void>;
}

/**
 * Opens the configured stores (their breaker changes logged and counted), the audit spool in
 * `DATA_DIR`, the Okta directory, and assembles the app over them; schedules the purge of expired
 * sessions and audit entries past AUDIT_RETENTION_DAYS.
 */
export async function openDashboard(config: GatehouseConfig, options: OpenDashboardOptions): Promise<OpenedDashboard> {
  const { logger, storeOptions, ...appOptions } = options;
  // Bound once the app is assembled; store failures before that only reach the log.
  let metrics: AppMetrics | undefined;
  const stores = await openStores(config, { ...storeOptions, ...storeEventHandlers(config, logger, () => metrics) });
  try {
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
      ...appOptions,
      auditSpool,
    });
    metrics = deps.metrics;
    metrics.observeAuditSpool(() => auditSpool.status());
    const stopPurge = schedulePurge(stores.sessions, {
      audit: { log: stores.audit, retentionDays: config.auditRetentionDays },
      onError: (err: unknown) => logger.warn({ error: err instanceof Error ? err.name : typeof err }, 'session purge failed'),
    });
    return {
      app,
      deps,
      async close() {
        stopPurge();
        // After the last request: their audit events are in, then the aggregated repeats are written.
        await (deps.audit as Partial<AggregatingAuditLog>).flush?.();
        // Last chance to write what the spool holds; what the store still refuses waits in the file for the next start.
        await auditSpool.flush().catch(() => {});
        const spooled = auditSpool.status();
        if (spooled.pending > 0) logger.warn({ pending: spooled.pending }, 'audit events still spooled at stop: written at the next start');
        await auditSpool.close();
        await stores.close();
      },
    };
  } catch (err) {
    await stores.close();
    throw err;
  }
}

/** The stores' failure and breaker callbacks: counted in the metrics (once assembled) and logged. */
function storeEventHandlers(config: GatehouseConfig, logger: Logger, metrics: () => AppMetrics | undefined): Pick<OpenStoresOptions, 'onBusError' | 'onStoreFailure' | 'onBreakerChange'> {
  const openedAt: Record<string, number> = {};
  return {
    // Name and code only: a driver's message may quote the connection URL.
    onBusError: (err: Error) => logger.warn({ error: err.name, code: (err as { code?: unknown }).code }, 'session-event bus connection lost; reconnecting'),
    onStoreFailure: (store, cause) => metrics()?.countStoreFailure(store, cause),
    onBreakerChange: (store, state) => {
      metrics()?.setBreakerState(store, state);
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
  };
}

/**
 * The one wiring of the app over opened stores: metrics, the audit log wrapped so every event is
 * counted, the auth core writing to that same log, then `createApp`. The server and the test
 * harness both build the app through it.
 */
export async function assembleApp(
  config: GatehouseConfig,
  stores: OpenStores,
  options: Pick<AppDeps, 'logger' | 'directory' | 'authRateLimit' | 'drain' | 'auditSpool' | 'apps'> & { live?: Pick<LiveHubOptions, 'coalesceMs' | 'heartbeatMs'>; sessionCache?: AuthDeps['sessionCache'] },
): Promise<{ app: Hono<AuthEnv>; deps: AppDeps }> {
  const { live: liveTimings, sessionCache, ...appOptions } = options;
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
    ...(sessionCache !== undefined ? { sessionCache } : {}),
  });
  live.attach(auth);
  const deps: AppDeps = { config, auth, sessions: stores.sessions, audit, metrics, live, ...appOptions };
  return { app: createApp(deps), deps };
}
