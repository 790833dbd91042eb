/**
 * The server under test as its own process: the dashboard exactly as `npm start` builds it
 * (`startDashboard`: stores, audit spool, the project's apps, drain, request log at `info` to
 * stdout), on a free loopback port. Its configuration is `BENCH_CONFIG_ENV` (JSON) and nothing
 * else, so a developer's own OKTA_* or DATABASE_URL cannot leak into the run.
 *
 * Calls: `memory()` — `process.memoryUsage()` after a full garbage collection.
 */
import { loadConfig } from '../../packages/auth/src/config/index.ts';
import { startDashboard } from '../../apps/dashboard/src/server.ts';
import { serveCalls } from './child.ts';

const env = JSON.parse(process.env.BENCH_CONFIG_ENV ?? '{}') as Record<string, string>;
const config = loadConfig(env, { envFile: false, cwd: env.GATEHOUSE_DATA_DIR ?? process.cwd() });
const dashboard = await startDashboard({ config, port: 0, hostname: '127.0.0.1', metricsPort: null });

function memory(): NodeJS.MemoryUsage {
  // Garbage awaiting a collection is not what sessions cost; what survives a full GC is.
  (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage();
}

serveCalls({ url: dashboard.url.replace('localhost', '127.0.0.1'), cookieName: config.session.cookieName }, { memory }, () => dashboard.close());
