/**
 * Starts the dashboard: assembles it (`assembly.ts`), listens on the app port and the metrics
 * port, and on `close` drains and closes all of it in reverse order. Used by `main.ts`
 * (standalone), `scripts/start.ts` (`npm start`) and tests.
 */
import { serve, type ServerType } from '@hono/node-server';
import type { Logger } from 'pino';
import { loadConfig, type GatehouseConfig } from '@gatehouse/auth/config';
import { startMetricsServer } from './metrics-server.ts';
import type { AppDeps, OpenStoresOptions, RateLimitOptions } from './app-context.ts';
import { openDashboard } from './assembly.ts';
import { DrainController, type DrainReport } from './drain.ts';
import { createLogger, flushLogger } from './observability/logger.ts';
import { renderRestarting } from './views/status-pages.tsx';
import { discoverApps } from './project/discover.ts';

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
  const logger = options.logger ?? createLogger(config);
  const drain = new DrainController(renderRestarting);
  const opened = await openDashboard(config, {
    logger,
    authRateLimit: options.authRateLimit ?? { limit: config.rateLimit.authPerMinute, windowMs: 60_000 },
    apps: options.apps ?? await discoverApps(),
    drain,
    ...(options.storeOptions ? { storeOptions: options.storeOptions } : {}),
  });
  try {
    const { deps } = opened;
    const port = options.port ?? config.port;
    const server = await listen(drain.wrap(opened.app.fetch), port, options.hostname);
    const address = server.address();
    const boundPort = typeof address === 'object' && address ? address.port : port;
    const url = `http://localhost:${boundPort}`;
    logger.info({ url, appBaseUrl: config.appBaseUrl }, 'dashboard listening');
    const metricsPort = options.metricsPort !== undefined ? options.metricsPort : port === 0 ? 0 : config.metrics.port;
    const metricsServer = metricsPort === null ? null : await startMetricsServer(deps.metrics, metricsPort, options.hostname);

    let closing: Promise<void> | undefined;
    return {
      url,
      metricsUrl: metricsServer?.url ?? null,
      get inFlight() {
        return drain.inFlight;
      },
      close() {
        closing ??= (async () => {
          // Open live streams would hold the drain open until its deadline; browsers reconnect elsewhere.
          await deps.live.closeAll();
          const { timeoutSeconds, delaySeconds } = config.shutdown;
          logger.info({ inFlight: drain.inFlight, timeoutSeconds, delaySeconds }, 'draining: readiness is 503, finishing requests in flight');
          const report: DrainReport = await drain.drain(server, { timeoutMs: timeoutSeconds * 1000, delayMs: delaySeconds * 1000 });
          if (report.interrupted > 0) logger.warn(report, 'drain deadline reached: requests still running were answered 503 (retryable)');
          await metricsServer?.close();
          await opened.close();
          logger.info({ drainMs: report.ms }, 'dashboard stopped');
          // The destination is asynchronous: what it still holds goes out before close() resolves (main.ts exits next).
          flushLogger(logger);
        })();
        return closing;
      },
    };
  } catch (err) {
    await opened.close();
    throw err;
  }
}

function listen(fetch: (request: Request, env?: unknown) => Response | Promise<Response>, port: number, hostname: string | undefined): Promise<ServerType> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch, port, ...(hostname ? { hostname } : {}) }, () => resolve(server));
    server.once('error', reject);
  });
}
