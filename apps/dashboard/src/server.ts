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
  /** Per-IP limit on `/auth/*`; default `AUTH_RATE_LIMIT_PER_MINUTE` (30) per minute. */
  authRateLimit?: RateLimitOptions;
}

/** A listening dashboard. */
export interface RunningDashboard {
  /** Where the server listens locally, e.g. `http://localhost:3000` (users open `config.appBaseUrl`). */
  url: string;
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
    const { app } = await assembleApp(config, stores, {
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
    const stopPurge = schedulePurge(stores.sessions, {
      onError: (err: unknown) => logger.warn({ error: err instanceof Error ? err.name : typeof err }, 'session purge failed'),
    });

    let closing: Promise<void> | undefined;
    return {
      url,
      close() {
        closing ??= (async () => {
          stopPurge();
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
  const audit = metrics.countAuditEvents(stores.audit);
  const auth = await createAuth(config, {
    sessions: stores.sessions,
    audit,
    events: stores.events,
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
