/**
 * HTTP-level benchmark (part of `npm run bench`, or alone: `node --import tsx bench/http.ts`):
 * the Okta emulator and the dashboard in this process (port 0 on 127.0.0.1, SQLite in a temp
 * dir), a real viewer session from a real sign-in, a real Okta access token from a real
 * authorization-code flow, then a bounded load over loopback with Node's fetch (undici) against
 * the routes every page view or API call goes through. Prints req/s, p50/p99 and the ratio to each
 * target; it never fails the build (`npm test` does not run it).
 *
 * The load generator runs in a worker thread, so the server keeps the main thread to itself and
 * the figures are the server's, not the client's (on 2 cores: one for each).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import * as oidc from 'openid-client';
import pino from 'pino';
import { loadConfig } from '../packages/auth/src/config/index.ts';
import { completeSignIn, DEMO_API_TOKEN, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_USERS, signIn, startEmulator } from '../packages/okta-emulator/src/index.ts';
import { startDashboard } from '../apps/dashboard/src/server.ts';
import { line, loadAverage, percentile } from './report.ts';

/** Measured requests per route (after the warm-up), unless the time budget ends them first. */
const REQUESTS = 5_000;
const CONCURRENCY = 16;
const WARMUP_REQUESTS = 1_000;
// 3 s at most: enough for the JIT on fast routes, and it bounds the slow ones.
const WARMUP_MS = 3_000;
// 30 s per route: 4 routes keep the whole run near two minutes even on a slow, busy machine.
const TIME_BUDGET_MS = 30_000;
/** The configured public URL (the emulator's demo client redirects to it; requests go to the real port). */
const APP_BASE_URL = 'http://localhost:3000';

interface Route {
  label: string;
  path: string;
  headers: Record<string, string>;
  /** Target throughput in req/s on 2 cores, and why. */
  target: number;
  why: string;
}

interface LoadJob {
  url: string;
  headers: Record<string, string>;
  requests: number;
  warmup: number;
  concurrency: number;
  timeBudgetMs: number;
}

interface LoadResult {
  completed: number;
  seconds: number;
  /** Milliseconds, sorted. */
  latencies: number[];
  statuses: Record<string, number>;
}

/** Worker side: `concurrency` loops sharing one counter, each awaiting its response body. */
async function runLoad(job: LoadJob): Promise<LoadResult> {
  const statuses: Record<string, number> = {};
  const once = async () => {
    try {
      const response = await fetch(job.url, { headers: job.headers, redirect: 'manual' });
      await response.arrayBuffer();
      return String(response.status);
    } catch (err) {
      return `error ${(err as Error).name}`;
    }
  };
  let issued = 0;
  const warmupEnds = performance.now() + WARMUP_MS;
  const warm = async () => {
    while (issued < job.warmup && performance.now() < warmupEnds) {
      issued++;
      await once();
    }
  };
  await Promise.all(Array.from({ length: job.concurrency }, warm));

  const latencies: number[] = [];
  const started = performance.now();
  const deadline = started + job.timeBudgetMs;
  issued = 0;
  const loop = async () => {
    while (issued < job.requests && performance.now() < deadline) {
      issued++;
      const t0 = performance.now();
      const status = await once();
      latencies.push(performance.now() - t0);
      statuses[status] = (statuses[status] ?? 0) + 1;
    }
  };
  await Promise.all(Array.from({ length: job.concurrency }, loop));
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return { completed: latencies.length, seconds, latencies, statuses };
}

const WORKER_MARK = 'gatehouse-http-load';
if (!isMainThread && workerData === WORKER_MARK) {
  // One long-lived load thread for every route, so its own JIT warm-up is paid once.
  parentPort!.on('message', (job: LoadJob) => {
    void runLoad(job).then((result) => parentPort!.postMessage(result));
  });
}

/** The load thread; `run` sends one job at a time. */
function startLoadWorker(): { run(job: LoadJob): Promise<LoadResult>; close(): Promise<number> } {
  const worker = new Worker(new URL(import.meta.url), { workerData: WORKER_MARK });
  return {
    run(job) {
      return new Promise((resolve, reject) => {
        const fail = (err: unknown) => reject(err instanceof Error ? err : new Error(`load worker exited with ${String(err)}`));
        worker.once('message', (result: LoadResult) => {
          worker.off('error', fail).off('exit', fail);
          resolve(result);
        });
        worker.once('error', fail).once('exit', fail);
        worker.postMessage(job);
      });
    },
    close: () => worker.terminate(),
  };
}

/** A viewer's session cookie from a real sign-in: /auth/login → hosted sign-in → /auth/callback. */
async function sessionCookie(dashboardUrl: string, cookieName: string): Promise<string> {
  const local = (location: string) => {
    const url = new URL(location, APP_BASE_URL);
    return `${dashboardUrl}${url.pathname}${url.search}`;
  };
  const login = await fetch(`${dashboardUrl}/auth/login?returnTo=/dashboards`, { redirect: 'manual' });
  const transaction = login.headers.getSetCookie().map((line) => line.split(';')[0]).join('; ');
  const location = login.headers.get('location');
  if (login.status !== 302 || !location) throw new Error(`/auth/login answered ${login.status}, not a redirect to the IdP`);
  const { callbackUrl } = await completeSignIn(location, { username: DEMO_USERS.viewer.login, password: DEMO_USERS.viewer.password });
  const callback = await fetch(local(callbackUrl.toString()), { redirect: 'manual', headers: { cookie: transaction } });
  const session = callback.headers.getSetCookie().find((line) => line.startsWith(`${cookieName}=`));
  if (callback.status !== 302 || !session) throw new Error(`/auth/callback answered ${callback.status} without a session cookie`);
  return session.split(';')[0]!;
}

/** A viewer's Okta access token for `api://default`, redeemed by openid-client (PKCE, state, nonce checked). */
async function accessToken(emulator: Awaited<ReturnType<typeof startEmulator>>): Promise<string> {
  const config = await oidc.discovery(new URL(emulator.issuer), DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, oidc.ClientSecretBasic(DEMO_CLIENT_SECRET), {
    execute: [oidc.allowInsecureRequests],
  });
  const signedIn = await signIn(emulator, { username: DEMO_USERS.viewer.login, password: DEMO_USERS.viewer.password, scope: 'openid profile email groups' });
  const tokens = await oidc.authorizationCodeGrant(config, signedIn.callbackUrl, {
    pkceCodeVerifier: signedIn.codeVerifier,
    expectedState: signedIn.state,
    expectedNonce: signedIn.nonce,
  });
  return tokens.access_token;
}

/**
 * A bare `node:http` server answering `{}`: what the load thread can drive at most on this
 * machine right now. A route near this figure is limited by the client, not by Gatehouse.
 */
async function startBareServer(): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}

/** Starts both servers, signs in, drives each route and prints the figures; cleans up after. */
export async function benchHttp(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'gh-bench-http-'));
  const emulator = await startEmulator({ dataDir: join(dir, 'emulator') });
  try {
    const config = loadConfig(
      {
        NODE_ENV: 'test',
        OKTA_ISSUER: emulator.issuer,
        OKTA_CLIENT_ID: DEMO_CLIENT_ID,
        OKTA_CLIENT_SECRET: DEMO_CLIENT_SECRET,
        OKTA_API_TOKEN: DEMO_API_TOKEN,
        APP_BASE_URL,
        DATABASE_URL: `file:${join(dir, 'gatehouse.db')}`,
        SESSION_SECRET: 'bench-http-session-secret-0123456789-abcdef',
        LOG_LEVEL: 'info',
      },
      { envFile: false, cwd: dir },
    );
    // Request logs are serialised as in production, then dropped instead of filling the terminal.
    const logger = pino({ level: 'info' }, new Writable({ write(_chunk, _encoding, done) { done(); } }));
    const dashboard = await startDashboard({ config, port: 0, hostname: '127.0.0.1', logger });
    try {
      const cookie = await sessionCookie(dashboard.url, config.session.cookieName);
      const bearer = await accessToken(emulator);
      const routes: Route[] = [
        { label: 'GET /healthz', path: '/healthz', headers: {}, target: 2_500, why: 'headers, metrics and request log should keep 2/3 of what this client drives against bare node:http on an idle 2-core box (~3,700)' },
        { label: 'GET /api/me (session cookie)', path: '/api/me', headers: { cookie }, target: 1_500, why: 'session lookup + decrypt (≥ 20k/s in run.ts) should cost < 10% per request; far above an internal tool\'s peak' },
        { label: 'GET /api/me (Bearer access token)', path: '/api/me', headers: { authorization: `Bearer ${bearer}` }, target: 1_500, why: 'one RS256 verify against the cached JWKS costs about a session lookup' },
        { label: 'GET /dashboards (session, SVG charts)', path: '/dashboards', headers: { cookie }, target: 100, why: '3+ SVG charts rendered per view; 100/s is 6,000 dashboard loads a minute' },
      ];

      console.log(`Gatehouse HTTP benchmark — dashboard and emulator in-process on 127.0.0.1, ${REQUESTS.toLocaleString('en')} requests per route (or ${TIME_BUDGET_MS / 1000} s), concurrency ${CONCURRENCY}, after ${WARMUP_REQUESTS.toLocaleString('en')} warm-up requests (or ${WARMUP_MS / 1000} s)`);
      console.log(`${cpus().length} CPUs, load average ${loadAverage()} at start; targets are for 2 cores (server thread + load thread)\n`);
      const load = startLoadWorker();
      const bare = await startBareServer();
      const ceiling = await load.run({ url: bare.url, headers: {}, requests: REQUESTS, warmup: WARMUP_REQUESTS, concurrency: CONCURRENCY, timeBudgetMs: TIME_BUDGET_MS }).finally(() => bare.close());
      const ceilingRate = ceiling.completed / ceiling.seconds;
      console.log('Load-generator ceiling (bare node:http answering {}, same thread layout):');
      line('throughput', `${Math.round(ceilingRate).toLocaleString('en')} req/s`, 'a route near this figure is limited by the client, not by Gatehouse');
      line('latency p50 / p99', `${percentile(ceiling.latencies, 50).toFixed(2)} / ${percentile(ceiling.latencies, 99).toFixed(2)} ms`);
      for (const route of routes) {
        const result = await load.run({
          url: `${dashboard.url}${route.path}`,
          headers: route.headers,
          requests: REQUESTS,
          warmup: WARMUP_REQUESTS,
          concurrency: CONCURRENCY,
          timeBudgetMs: TIME_BUDGET_MS,
        });
        const rate = result.completed / result.seconds;
        const ratio = rate / route.target;
        console.log(`${route.label}:`);
        line('throughput', `${Math.round(rate).toLocaleString('en')} req/s`, `${ratio >= 1 ? 'meets' : 'MISSES'} target (${ratio.toFixed(2)}× ≥ ${route.target.toLocaleString('en')}: ${route.why}); ${Math.round((100 * rate) / ceilingRate)}% of the ceiling`);
        line('latency p50 / p99', `${percentile(result.latencies, 50).toFixed(2)} / ${percentile(result.latencies, 99).toFixed(2)} ms`);
        const statuses = Object.entries(result.statuses).map(([status, count]) => `${status}×${count}`).join(', ');
        const complete = result.completed === REQUESTS ? '' : ` (time budget reached after ${result.completed.toLocaleString('en')})`;
        line('responses', `${result.completed.toLocaleString('en')}`, `${statuses}${complete}${result.statuses['200'] === result.completed ? '' : '  ← not all 200: figures are not comparable'}`);
      }
      await load.close();
      console.log(`\nLoad average ${loadAverage()} at the end.`);
    } finally {
      await dashboard.close();
    }
  } finally {
    await emulator.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (isMainThread && process.argv[1] === fileURLToPath(import.meta.url)) await benchHttp();
