/**
 * The autocannon load generator as its own process (see `load.ts`): one long-lived child, so its
 * JIT warm-up is paid once; each `run(job)` drives one URL for `job.seconds`.
 * Latencies are taken from every response's own timing (float ms), not autocannon's whole-ms
 * histogram, so p50/p99 of sub-millisecond routes stay readable.
 */
import autocannon from 'autocannon';
import { percentile } from '../report.ts';
import { serveCalls } from './child.ts';
import type { LoadJob, LoadResult } from './load.ts';

function options(job: LoadJob): autocannon.Options {
  let next = 0;
  const cookies = job.cookies;
  return {
    url: job.url,
    connections: job.connections,
    duration: job.seconds,
    headers: job.headers ?? {},
    // 10 s: far past any healthy response; a stuck server shows as timeouts, not as a hang.
    timeout: 10,
    // A pool of sessions: each request carries the next one's cookie (store-size benchmark).
    ...(cookies?.length
      ? { requests: [{ setupRequest: (request: autocannon.Request) => ({ ...request, headers: { ...request.headers, cookie: cookies[next++ % cookies.length]! } }) }] }
      : {}),
  };
}

function once(opts: autocannon.Options, onResponse?: (status: number, ms: number) => void): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    const instance = autocannon(opts, (err, result) => (err ? reject(err) : resolve(result)));
    if (onResponse) {
      instance.on('response', (_client: unknown, status: number, _bytes: number, ms: number) => onResponse(status, ms));
    }
  });
}

async function run(job: LoadJob): Promise<LoadResult> {
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  const started = performance.now();
  const result = await once(options(job), (status, ms) => {
    latencies.push(ms);
    statuses[status] = (statuses[status] ?? 0) + 1;
  });
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const errors = result.errors + result.timeouts;
  if (errors > 0) statuses.error = errors;
  return { requests: latencies.length, seconds, rps: latencies.length / seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99), statuses };
}

serveCalls({}, { run });
