/**
 * What the HTTP benchmarks share: the emulator and a dashboard under test, each in its own
 * process, configured like `npm start` against the emulator (request log at `info`, the Management
 * API token, a temp data directory), and one measured load with the CPU each side used.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEMO_API_TOKEN, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET } from '../../packages/okta-emulator/src/index.ts';
import { load1, type Row } from '../report.ts';
import { Child } from './child.ts';
import type { LoadGenerator, LoadJob, LoadResult } from './load.ts';
import { APP_BASE_URL, type Target } from './sign-ins.ts';

/** Connections of every load: the issue's 50. */
export const CONNECTIONS = 50;
/** Measured seconds per load (`BENCH_SECONDS`, default 10) after `BENCH_WARMUP_SECONDS` (default 3). */
export const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
export const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 3);

export type Emulator = Child<{ issuer: string }>;
export type Server = Child<Target>;

/** A started emulator (stop it when done). */
export async function startEmulatorProcess(): Promise<{ child: Emulator; issuer: string }> {
  const child: Emulator = Child.start(new URL('./emulator.ts', import.meta.url), 'emulator');
  const { issuer } = await child.ready;
  return { child, issuer };
}

/** A dashboard under test on `databaseUrl` (default SQLite in its data dir): its process, target and configuration. */
export interface Dashboard {
  child: Server;
  target: Target;
  /** The configuration environment it was started with (a second process on its store uses the same). */
  env: Record<string, string>;
  stop(): Promise<void>;
}

export async function startServer(issuer: string, options: { databaseUrl?: string } = {}): Promise<Dashboard> {
  const dir = mkdtempSync(join(tmpdir(), 'gh-bench-server-'));
  const env: Record<string, string> = {
    NODE_ENV: 'development',
    OKTA_ISSUER: issuer,
    OKTA_CLIENT_ID: DEMO_CLIENT_ID,
    OKTA_CLIENT_SECRET: DEMO_CLIENT_SECRET,
    OKTA_API_TOKEN: DEMO_API_TOKEN,
    APP_BASE_URL,
    GATEHOUSE_DATA_DIR: dir,
    DATABASE_URL: options.databaseUrl ?? `file:${join(dir, 'gatehouse.db')}`,
    SESSION_SECRET: 'bench-http-session-secret-0123456789-abcdef',
    LOG_LEVEL: 'info',
    SHUTDOWN_DELAY: '0',
  };
  const child: Server = Child.start(new URL('./server.ts', import.meta.url), 'dashboard', { BENCH_CONFIG_ENV: JSON.stringify(env) }, { quiet: true });
  try {
    const target = await child.ready;
    return {
      child,
      target: { url: target.url, cookieName: target.cookieName },
      env,
      async stop() {
        await child.stop();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await child.stop();
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

/**
 * One load (a warm-up, then the measured run) with the CPU the server and the load generator (when
 * it is a child we can see) spent in the measured run, and the server's requests per CPU-second:
 * on a shared machine the CPU share a process gets swings, what a request costs it does not.
 */
export async function measure(load: LoadGenerator, server: Child, job: Omit<LoadJob, 'connections' | 'seconds'>): Promise<LoadResult & Pick<Row, 'cpu' | 'load' | 'perCpuSecond'>> {
  if (WARMUP_SECONDS > 0) await load.run({ ...job, connections: CONNECTIONS, seconds: WARMUP_SECONDS });
  const serverBefore = server.cpuSeconds();
  const clientBefore = load.cpuSeconds?.();
  const result = await load.run({ ...job, connections: CONNECTIONS, seconds: SECONDS });
  const serverCpu = server.cpuSeconds() - serverBefore;
  const clientAfter = load.cpuSeconds?.();
  const share = (used: number) => (100 * used) / result.seconds;
  return {
    ...result,
    load: load1(),
    perCpuSecond: result.requests / serverCpu,
    cpu: {
      server: share(serverCpu),
      ...(clientBefore === undefined || clientAfter === undefined ? {} : { client: share(clientAfter - clientBefore) }),
    },
  };
}

/** How `value` compares with `reference` per server CPU-second: the same ratio with the machine's other work taken out. */
export function perCpuNote(value: { perCpuSecond?: number }, reference: { perCpuSecond?: number }): string {
  return `per server CPU-second ${((value.perCpuSecond ?? Number.NaN) / (reference.perCpuSecond ?? Number.NaN)).toFixed(2)}×`;
}

/** The table row of a load, flagging responses other than `expected`. */
export function rowOf(figure: string, result: Awaited<ReturnType<typeof measure>>, extra: Partial<Row> = {}, expected = '200'): Row {
  const unexpected = Object.keys(result.statuses).some((status) => status !== expected && status !== '2xx/3xx');
  return { figure, rps: result.rps, p50: result.p50, p99: result.p99, load: result.load, cpu: result.cpu, perCpuSecond: result.perCpuSecond, ...(unexpected ? { statuses: result.statuses } : {}), ...extra };
}
