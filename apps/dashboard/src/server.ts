/**
 * Starts the dashboard: config → stores → auth core → app → HTTP server, and closes all of it in
 * reverse order. Used by `main.ts` (standalone), `scripts/start.ts` (`npm start`) and tests.
 */
import { serve, type ServerType } from '@hono/node-server';
import pino, { type Logger } from 'pino';
import { createAuth } from '@gatehouse/auth';
import { loadConfig, type GatehouseConfig } from '@gatehouse/auth/config';
import type { Hono } from 'hono';
import { createApp } from './app.ts';
import { aggregateAnonymousRepeats, type AggregatingAuditLog } from './audit-aggregate.ts';
import { startMetricsServer } from './metrics-server.ts';
import type { AuthEnv } from './auth.ts';
import type { AppDeps, RateLimitOptions } from './deps.ts';
import { OktaDirectory } from './okta/directory.ts';
import { createMetrics } from './routes/ops/metrics.ts';
import { openStores, schedulePurge, type OpenStores } from './stores.ts';
import { renderSignInError } from './views/status-pages.tsx';

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
}

/** A listening dashboard. */
export interface RunningDashboard {
  /** Where the server listens locally, e.g. `http://localhost:3000` (users open `config.appBaseUrl`). */
  url: string;
  /** Where `/metrics` is served on its own port (`null` when METRICS_TOKEN keeps it on the app port). */
  metricsUrl: string | null;
  /** Stops the session purge and the server (dropping keep-alive connections), then closes the stores; idempotent. */
  close(): Promise<void>;
}

/**
 * Starts the dashboard server and resolves once it listens.
 * @see ARCHITECTURE.md "Commands" and "Configuration"
 */
export async function startDashboard(options: StartDashboardOptions = {}): Promise<RunningDashboard> {
  const config = options.config ?? loadConfig();
  const logger = options.logger ?? pino({ level: config.logLevel, base: { app: 'gatehouse-dashboard' } });
  const stores = await openStores(config, {
    // Name and code only: a driver's message may quote the connection URL.
    onBusError: (err: Error) => logger.warn({ error: err.name, code: (err as { code?: unknown }).code }, 'session-event bus connection lost; reconnecting'),
  });
  try {
    const { app, deps } = await assembleApp(config, stores, {
      logger,
      directory: OktaDirectory.fromConfig(config, logger),
      authRateLimit: options.authRateLimit ?? { limit: config.rateLimit.authPerMinute, windowMs: 60_000 },
    });
    const port = options.port ?? config.port;
    const server = await listen(app.fetch, port, options.hostname);
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
      close() {
        closing ??= (async () => {
          stopPurge();
          await metricsServer?.close();
          await (deps.audit as Partial<AggregatingAuditLog>).flush?.();
          await new Promise<void>((resolve) => {
            server.close(() => resolve());
            // Keep-alive connections would hold close() open until they time out.
            (server as { closeAllConnections?: () => void }).closeAllConnections?.();
          });
          await stores.close();
          logger.info('dashboard stopped');
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
  options: Pick<AppDeps, 'logger' | 'directory' | 'authRateLimit'>,
): Promise<{ app: Hono<AuthEnv>; deps: AppDeps }> {
  const metrics = createMetrics(stores.sessions);
  const audit = aggregateAnonymousRepeats(metrics.countAuditEvents(stores.audit), { onAggregated: (event) => metrics.countAggregated(event.type, event.reason) });
  const auth = await createAuth(config, {
    sessions: stores.sessions,
    audit,
    events: stores.events,
    directory: options.directory ? { userGroups: (id) => options.directory!.allUserGroupNames(id) } : null,
    logger: options.logger.child({ component: 'auth' }),
    renderError: renderSignInError,
  });
  const deps: AppDeps = { config, auth, sessions: stores.sessions, audit, metrics, ...options };
  return { app: createApp(deps), deps };
}

function listen(fetch: (request: Request, env?: unknown) => Response | Promise<Response>, port: number, hostname: string | undefined): Promise<ServerType> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch, port, ...(hostname ? { hostname } : {}) }, () => resolve(server));
    server.once('error', reject);
  });
}
