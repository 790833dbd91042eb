/**
 * The load generator, always in a process of its own so it never shares the server's event loop:
 * autocannon (npm, the default: present wherever `npm ci` ran) or wrk (`BENCH_LOADGEN=wrk`, when
 * `/usr/bin/wrk` or another wrk is on PATH). Every figure of one run comes from the same one.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findBinary } from '../../scripts/test-servers.ts';
import { Child } from './child.ts';

/** One load: `connections` keep-alive connections on `url` for `seconds`. */
export interface LoadJob {
  url: string;
  connections: number;
  seconds: number;
  headers?: Record<string, string>;
  /** `Cookie` headers to rotate through, one per request (a pool of sessions). */
  cookies?: string[];
}

/** What one measured run gave. Latencies in ms. */
export interface LoadResult {
  requests: number;
  seconds: number;
  rps: number;
  p50: number;
  p99: number;
  /** Responses by status (`error` for connection errors and timeouts; wrk: `non-2xx` when not all were). */
  statuses: Record<string, number>;
}

export interface LoadGenerator {
  /** e.g. `autocannon 9.0.0`. */
  readonly name: string;
  run(job: LoadJob): Promise<LoadResult>;
  /** CPU seconds its process has used so far, when it is one long-lived child (autocannon). */
  cpuSeconds?(): number;
  close(): Promise<void>;
}

/** The generator `BENCH_LOADGEN` names (`autocannon`, the default, or `wrk`). */
export async function startLoadGenerator(kind = process.env.BENCH_LOADGEN ?? 'autocannon'): Promise<LoadGenerator> {
  if (kind === 'wrk') return wrk(findBinary('wrk'));
  if (kind !== 'autocannon') throw new Error(`BENCH_LOADGEN must be autocannon or wrk, not ${kind}`);
  const child = Child.start(new URL('./autocannon.ts', import.meta.url), 'autocannon');
  await child.ready;
  const { version } = (await import('autocannon/package.json', { with: { type: 'json' } })).default as { version: string };
  return { name: `autocannon ${version}`, run: (job) => child.call<LoadResult>('run', job), cpuSeconds: () => child.cpuSeconds(), close: () => child.stop() };
}

function exec(binary: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.stderr.on('data', (chunk) => (out += chunk));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`${binary} exited ${code}: ${out.slice(-500)}`))));
  });
}

/** `1.23ms`, `850.00us`, `2.01s` → ms. */
function ms(text: string): number {
  const match = /^([\d.]+)(us|ms|s)$/.exec(text);
  if (!match) return Number.NaN;
  const value = Number(match[1]);
  return match[2] === 'us' ? value / 1000 : match[2] === 's' ? value * 1000 : value;
}

function wrk(binary: string): LoadGenerator {
  const dir = mkdtempSync(join(tmpdir(), 'gh-bench-wrk-'));
  const luaString = (value: string) => JSON.stringify(value);
  // Headers go in a Lua script, not `-H`: a session cookie or token has no place in a process list.
  const script = (job: LoadJob): string => {
    const file = join(dir, 'job.lua');
    const headers = Object.entries(job.headers ?? {}).map(([name, value]) => `wrk.headers[${luaString(name)}] = ${luaString(value)}\n`).join('');
    // One request per cookie, taken in turn: wrk's documented `request` hook.
    const rotate = job.cookies?.length
      ? `local cookies = {${job.cookies.map(luaString).join(',')}}\nlocal i = 0\nrequest = function()\n  i = i % #cookies + 1\n  return wrk.format(nil, nil, { Cookie = cookies[i] })\nend\n`
      : '';
    writeFileSync(file, headers + rotate);
    return file;
  };
  const args = (job: LoadJob) => [
    // One thread, like autocannon's one event loop: one core for the client, one for the server.
    '-t1', `-c${job.connections}`, `-d${job.seconds}s`, '--timeout', '10s', '--latency', '-s', script(job), job.url,
  ];
  return {
    name: 'wrk',
    async run(job) {
      const out = await exec(binary, args(job));
      const requests = Number(/(\d+) requests in ([\d.]+)(m?s)/.exec(out)?.[1] ?? Number.NaN);
      const seconds = ms(/\d+ requests in ([\d.]+(?:ms|s))/.exec(out)?.[1] ?? '') / 1000;
      const failed = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
      const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
      const errors = socketErrors ? socketErrors.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0;
      const statuses: Record<string, number> = { '2xx/3xx': requests - failed };
      if (failed) statuses['non-2xx'] = failed;
      if (errors) statuses.error = errors;
      return {
        requests,
        seconds,
        rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? Number.NaN),
        p50: ms(/\s50%\s+(\S+)/.exec(out)?.[1] ?? ''),
        p99: ms(/\s99%\s+(\S+)/.exec(out)?.[1] ?? ''),
        statuses,
      };
    },
    async close() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
