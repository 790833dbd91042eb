/**
 * Live pages benchmark (part of `npm run bench`, or alone: `node --import tsx bench/live.ts`).
 * Every part is its own process: dashboard instances (`live-server.ts`) and the browsers
 * (`live-clients.ts`, plain `node:http` streams).
 *
 * 1. Propagation: instance A and instance B share Redis (then PostgreSQL); 120 pages hold
 *    `GET /live` open at B; A revokes their sessions one at a time; the time from A's revoke call
 *    to the `signed-out` event arriving at the page, p50/p99.
 * 2. Idle streams: one instance (SQLite) holding 5,000 open streams; its RSS, against 200 MiB.
 *
 * Throwaway PostgreSQL and Redis are started for it (`scripts/test-servers.ts`) unless
 * GATEHOUSE_TEST_POSTGRES_URL / GATEHOUSE_TEST_REDIS_URL name servers to use. It reports; it
 * never fails the build.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPostgres, startRedis, type TestServer } from '../scripts/test-servers.ts';
import { line, loadAverage, percentile } from './report.ts';

const PROPAGATION_EVENTS = 120;
const IDLE_STREAMS = 5_000;
const TARGET_RSS_MIB = 200;
// 60 s for one event: far past any healthy figure; a lost event is reported, not waited on forever.
const EVENT_TIMEOUT_MS = 60_000;

type Message = { type: string; [key: string]: unknown };

/** A child process speaking IPC; `next(type)` resolves with its next message of that type. */
class Child {
  private readonly waiting = new Map<string, Array<(message: Message) => void>>();
  private readonly listeners = new Map<string, (message: Message) => void>();
  constructor(readonly process: ChildProcess, name: string) {
    process.on('message', (message: Message) => {
      this.listeners.get(message.type)?.(message);
      const queue = this.waiting.get(message.type);
      queue?.shift()?.(message);
    });
    process.once('exit', (code) => {
      if (code !== 0 && code !== null) console.error(`  ${name} exited with ${code}`);
    });
  }
  static start(file: string, name: string, env: Record<string, string> = {}, nodeFlags: readonly string[] = []): Child {
    // --expose-gc: the instance collects garbage before it reports its heap (see live-server.ts).
    return new Child(fork(new URL(file, import.meta.url), [], { execArgv: [...nodeFlags, '--import', 'tsx', '--expose-gc'], env: { ...process.env, ...env }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }), name);
  }
  next<T extends Message>(type: string, timeoutMs = 120_000): Promise<T> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no "${type}" message within ${timeoutMs} ms`)), timeoutMs);
      const queue = this.waiting.get(type) ?? [];
      queue.push((message) => {
        clearTimeout(timer);
        resolve(message as T);
      });
      this.waiting.set(type, queue);
    });
  }
  on(type: string, listener: (message: Message) => void): void {
    this.listeners.set(type, listener);
  }
  send(message: Message): void {
    this.process.send(message);
  }
  async stop(message: Message): Promise<void> {
    if (this.process.exitCode !== null) return;
    const exited = new Promise((resolve) => this.process.once('exit', resolve));
    this.process.send(message);
    const timer = setTimeout(() => this.process.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }
}

interface Ready extends Message {
  url: string;
  cookies: string[];
  ids: string[];
  pid: number;
}

function rssMib(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
  return kb / 1024;
}

const baseEnv = (dir: string): Record<string, string> => ({
  NODE_ENV: 'test',
  APP_BASE_URL: 'http://localhost:3000',
  SESSION_SECRET: 'bench-live-session-secret-0123456789-abcdef',
  LOG_LEVEL: 'silent',
  GATEHOUSE_DATA_DIR: dir,
  LIVE_STREAMS_PER_SESSION: '4',
  LIVE_STREAMS_MAX: String(IDLE_STREAMS * 2),
});

async function propagation(label: string, env: Record<string, string>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'gh-bench-live-'));
  const a = Child.start('./live-server.ts', 'instance A', { ...baseEnv(dir), ...env, BENCH_SESSIONS: String(PROPAGATION_EVENTS) });
  const b = Child.start('./live-server.ts', 'instance B', { ...baseEnv(dir), ...env, BENCH_SESSIONS: '0' });
  const clients = Child.start('./live-clients.ts', 'clients');
  try {
    const [readyA, readyB] = await Promise.all([a.next<Ready>('ready'), b.next<Ready>('ready'), clients.next('ready')]);
    clients.send({ type: 'open', url: readyB.url, cookies: readyA.cookies, concurrency: 50 });
    const opened = await clients.next<Message & { statuses: Record<string, number> }>('opened');
    if (opened.statuses['200'] !== PROPAGATION_EVENTS) throw new Error(`streams opened at B: ${JSON.stringify(opened.statuses)}`);
    const arrivals = new Map<number, number>();
    const waiters = new Map<number, () => void>();
    clients.on('signed-out', (message) => {
      arrivals.set(message.index as number, message.at as number);
      waiters.get(message.index as number)?.();
    });
    const samples: number[] = [];
    let lost = 0;
    for (let i = 0; i < PROPAGATION_EVENTS; i++) {
      const arrived = new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), EVENT_TIMEOUT_MS);
        waiters.set(i, () => {
          clearTimeout(timer);
          resolve(true);
        });
      });
      a.send({ type: 'revoke', id: readyA.ids[i]! });
      const revoked = await a.next<Message & { at: number }>('revoked');
      if (!(await arrived)) {
        lost++;
        continue;
      }
      samples.push(arrivals.get(i)! - revoked.at);
    }
    samples.sort((x, y) => x - y);
    line(`revocation A → page at B, ${label}, p50`, `${percentile(samples, 50).toFixed(1)} ms`);
    line(`revocation A → page at B, ${label}, p99`, `${percentile(samples, 99).toFixed(1)} ms`, `${samples.length} events${lost ? `, ${lost} LOST` : ', none lost'}`);
  } finally {
    await clients.stop({ type: 'close' });
    await Promise.all([a.stop({ type: 'stop' }), b.stop({ type: 'stop' })]);
    rmSync(dir, { recursive: true, force: true });
  }
}

interface MemoryStats extends Message {
  stats: { streams: number };
  memory: NodeJS.MemoryUsage;
  spaces: Array<{ name: string; size: number; used: number }>;
}

const MiB = 1048576;

/** Where an instance's RSS goes: V8's heap (used, and committed but empty), buffers, and the rest (code, native). */
function breakdown(rss: number, stats: MemoryStats): string {
  const newSpace = stats.spaces.find((space) => space.name === 'new_space')?.size ?? 0;
  const { heapTotal, heapUsed, external } = stats.memory;
  const native = rss * MiB - heapTotal - external;
  return `heap used ${(heapUsed / MiB).toFixed(0)} + heap committed unused ${((heapTotal - heapUsed) / MiB).toFixed(0)} (young generation ${(newSpace / MiB).toFixed(0)}) + external ${(external / MiB).toFixed(0)} + the rest ${(native / MiB).toFixed(0)} MiB (node binary, compiled code, native allocations, heap pages V8 gave back but the kernel still counts)`;
}

/**
 * Part 2 alone: one instance holding IDLE_STREAMS open streams, and its memory. `nodeFlags` are
 * given to the instance's `node` (the figures are labelled with them).
 */
export async function idleStreams(nodeFlags: readonly string[] = []): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'gh-bench-live-'));
  const label = nodeFlags.length > 0 ? ` (node ${nodeFlags.join(' ')})` : '';
  // 1,250 sessions × 4 tabs: the per-session limit stays at its default.
  const sessions = IDLE_STREAMS / 4;
  const server = Child.start('./live-server.ts', 'instance', { ...baseEnv(dir), DATABASE_URL: `file:${join(dir, 'gatehouse.db')}`, BENCH_SESSIONS: String(sessions) }, nodeFlags);
  const clients = Child.start('./live-clients.ts', 'clients');
  try {
    const [ready] = await Promise.all([server.next<Ready>('ready'), clients.next('ready')]);
    server.send({ type: 'stats' });
    const idle = await server.next<MemoryStats>('stats');
    const before = rssMib(ready.pid);
    const cookies = Array.from({ length: IDLE_STREAMS }, (_, i) => ready.cookies[i % sessions]!);
    clients.send({ type: 'open', url: ready.url, cookies, concurrency: 100 });
    const opened = await clients.next<Message & { statuses: Record<string, number> }>('opened', 300_000);
    // Let the first heartbeat round and the garbage collector settle before reading RSS.
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    server.send({ type: 'stats' });
    const open = await server.next<MemoryStats>('stats');
    const after = rssMib(ready.pid);
    const streams = Math.max(1, open.stats.streams);
    line(`idle streams open on one instance${label}`, `${open.stats.streams.toLocaleString('en')}`, `${JSON.stringify(opened.statuses)} by status`);
    line(`instance RSS before the streams${label}`, `${before.toFixed(0)} MiB`, breakdown(before, idle));
    line(`instance RSS with them${label}`, `${after.toFixed(0)} MiB`, `${after < TARGET_RSS_MIB ? 'meets' : 'MISSES'} target (< ${TARGET_RSS_MIB} MiB); ${breakdown(after, open)}`);
    const heapPerStream = (open.memory.heapUsed - idle.memory.heapUsed) / 1024 / streams;
    const rssPerStream = ((after - before) * 1024) / streams;
    line(`RSS per stream${label}`, `${rssPerStream.toFixed(1)} KiB`, `JS heap (after GC) ${heapPerStream.toFixed(1)} KiB + outside the heap ${(rssPerStream - heapPerStream).toFixed(1)} KiB`);
  } finally {
    await clients.stop({ type: 'close' });
    await server.stop({ type: 'stop' });
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs both parts and prints their lines. */
export async function benchLive(): Promise<void> {
  console.log(`Live pages (GET /live) — instances and browsers in separate processes; load average ${loadAverage()}`);
  const servers: TestServer[] = [];
  try {
    let redisUrl = process.env.GATEHOUSE_TEST_REDIS_URL;
    let postgresUrl = process.env.GATEHOUSE_TEST_POSTGRES_URL;
    if (!redisUrl) {
      const redis = await startRedis();
      servers.push(redis);
      redisUrl = redis.url;
    }
    if (!postgresUrl) {
      const postgres = await startPostgres();
      servers.push(postgres);
      postgresUrl = postgres.url;
    }
    const dir = mkdtempSync(join(tmpdir(), 'gh-bench-live-audit-'));
    try {
      await propagation('Redis', { REDIS_URL: redisUrl, DATABASE_URL: `file:${join(dir, 'audit.db')}` });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    await propagation('PostgreSQL', { DATABASE_URL: postgresUrl });
    await idleStreams();
    // V8 in Node 24 grows the young generation to 2 × 64 MiB while the app loads its modules and
    // keeps it resident; 16 MiB semi-spaces (V8's long-time default) is the operator's knob.
    await idleStreams(['--max-semi-space-size=16']);
  } finally {
    await Promise.allSettled(servers.map((server) => server.stop()));
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await benchLive();
