// SIGTERM with requests in flight: the real dashboard process (main.ts), the real Okta emulator
// behind a TCP proxy the test holds so that sign-in callbacks (token exchange) and admin pages
// (Management API) are still running when the signal arrives.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { freePort, startTcpProxy, type TcpProxy } from '@gatehouse/auth/testing/tcp-proxy';
import { SqliteAuditLog, SqliteSessionStore } from '@gatehouse/auth/stores/sqlite';
import { DEMO_API_TOKEN, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_USERS, startEmulator, type Emulator } from '@gatehouse/okta-emulator';
import { completeSignIn, fetchFrom, signInThroughApp } from '@gatehouse/okta-emulator/testing';
import { startDashboardProcess, type DashboardProcess } from './testing/process.ts';


const APP_BASE_URL = 'http://localhost:3999';
const USERS = [DEMO_USERS.admin, DEMO_USERS.viewer, DEMO_USERS.norole];

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, attempts = 1500): Promise<T> {
  for (let i = 0; i < attempts; i++) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`gave up waiting for ${what}`);
}

/** A sign-in taken up to the point where the IdP redirects back: the callback is still to be sent. */
interface PendingCallback {
  path: string;
  cookie: string;
}

async function prepareCallback(app: DashboardProcess, index: number): Promise<PendingCallback> {
  const login = await fetch(`${app.url}/auth/login?returnTo=/profile`, { redirect: 'manual' });
  assert.equal(login.status, 302);
  const cookie = login.headers.getSetCookie().map((line) => line.split(';')[0]).join('; ');
  const user = USERS[index % USERS.length]!;
  const { callbackUrl } = await completeSignIn(login.headers.get('location')!, { username: user.login, password: user.password });
  return { path: `${callbackUrl.pathname}${callbackUrl.search}`, cookie };
}

describe('SIGTERM drains the dashboard', () => {
  let dir: string;
  let proxy: TcpProxy;
  let emulator: Emulator;
  let emulatorPort = 0;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gh-drain-'));
    emulatorPort = await freePort();
    proxy = await startTcpProxy({ port: emulatorPort });
    emulator = await startEmulator({ port: emulatorPort, dataDir: join(dir, 'emulator'), publicUrl: `http://127.0.0.1:${proxy.port}` });
    emulator.addRedirectUris(DEMO_CLIENT_ID, { redirectUris: [`${APP_BASE_URL}/auth/callback`], postLogoutRedirectUris: [`${APP_BASE_URL}/`] });
  });
  after(async () => {
    await emulator.close();
    await proxy.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const env = (name: string, extra: Record<string, string> = {}) => ({
    NODE_ENV: 'test',
    OKTA_ISSUER: emulator.issuer,
    OKTA_CLIENT_ID: DEMO_CLIENT_ID,
    OKTA_CLIENT_SECRET: DEMO_CLIENT_SECRET,
    OKTA_API_TOKEN: DEMO_API_TOKEN,
    APP_BASE_URL,
    GATEHOUSE_DATA_DIR: join(dir, name),
    SESSION_SECRET: 'drain-test-secret-0123456789-abcdefghijkl',
    AUTH_RATE_LIMIT_PER_MINUTE: '100000',
    LOG_LEVEL: 'info',
    ...extra,
  });

  test('20 running page requests and 20 running callbacks are all answered; every sign-in completes and is audited', async () => {
    const app = await startDashboardProcess(env('complete', { SHUTDOWN_DELAY: '3', SHUTDOWN_TIMEOUT: '20' }));
    try {
      const admin = await signInThroughApp(fetchFrom(app.url), '/auth/login?returnTo=/admin', DEMO_USERS.admin);
      const callbacks: PendingCallback[] = [];
      for (let i = 0; i < 20; i += 5) callbacks.push(...(await Promise.all([0, 1, 2, 3, 4].map((j) => prepareCallback(app, i + j)))));

      proxy.hold();
      const answers = [
        ...callbacks.map((cb) => fetch(`${app.url}${cb.path}`, { redirect: 'manual', headers: { cookie: cb.cookie } })),
        ...Array.from({ length: 20 }, () => fetch(`${app.url}/admin/users`, { redirect: 'manual', headers: { cookie: admin.cookie } })),
      ];
      // Every one of the 40 is inside the app, waiting on the (held) IdP.
      await until('40 requests held at the IdP', () => (proxy.heldRequests() >= 40 ? true : undefined));

      app.child.kill('SIGTERM');
      // SHUTDOWN_DELAY keeps the listener open for 3 s with readiness already failing.
      const draining = await until('/readyz to say draining', async () => {
        const res = await fetch(`${app.url}/readyz`);
        return res.status === 503 ? ((await res.json()) as { status: string }) : undefined;
      });
      assert.equal(draining.status, 'draining');
      // After SHUTDOWN_DELAY the listener is closed: new connections are refused.
      await until('the listener to close', () => fetch(`${app.url}/healthz`).then(() => undefined, () => true));

      proxy.restore();
      const responses = await Promise.all(answers);
      const [callbackResponses, pageResponses] = [responses.slice(0, 20), responses.slice(20)];
      for (const res of callbackResponses) {
        assert.equal(res.status, 302, await res.text());
        assert.equal(res.headers.get('location'), '/profile');
        assert.ok(res.headers.getSetCookie().some((line) => line.startsWith('gatehouse=')), 'a session cookie');
        assert.equal(res.headers.get('connection'), 'close');
      }
      for (const res of pageResponses) {
        assert.equal(res.status, 200);
        assert.match(await res.text(), /admin@gatehouse\.test/);
        assert.equal(res.headers.get('connection'), 'close');
      }
      assert.equal(await app.exited, 0, app.output());
      assert.match(app.output(), /dashboard stopped/);
    } finally {
      proxy.restore();
      await app.kill();
    }
    // Every sign-in has its session and its audit entry in the store the process closed.
    const databaseUrl = `file:${join(dir, 'complete', 'gatehouse.db')}`;
    const sessions = SqliteSessionStore.open(databaseUrl);
    const audit = SqliteAuditLog.open(databaseUrl);
    try {
      assert.equal(await sessions.count(), 21);
      assert.equal((await audit.query({ type: 'signin.succeeded' })).length, 21);
      assert.equal((await audit.query({ type: 'signin.failed' })).length, 0);
    } finally {
      await sessions.close();
      await audit.close();
    }
  });

  test('requests still running at SHUTDOWN_TIMEOUT get a retryable 503, not a reset connection', async () => {
    const app = await startDashboardProcess(env('deadline', { SHUTDOWN_TIMEOUT: '1' }));
    try {
      const admin = await signInThroughApp(fetchFrom(app.url), '/auth/login?returnTo=/admin', DEMO_USERS.admin);
      const callbacks = await Promise.all([0, 1, 2].map((i) => prepareCallback(app, i)));
      proxy.hold();
      const answers = [
        ...callbacks.map((cb) => fetch(`${app.url}${cb.path}`, { redirect: 'manual', headers: { cookie: cb.cookie } })),
        ...[0, 1, 2].map(() => fetch(`${app.url}/admin/users`, { redirect: 'manual', headers: { cookie: admin.cookie } })),
      ];
      await until('6 requests held at the IdP', () => (proxy.heldRequests() >= 6 ? true : undefined));
      app.child.kill('SIGTERM');
      const responses = await Promise.all(answers);
      for (const [i, res] of responses.entries()) {
        assert.equal(res.status, 503);
        assert.equal(res.headers.get('retry-after'), '1');
        const html = await res.text();
        if (i < 3) {
          assert.match(html, /Your sign-in was interrupted/);
          assert.match(html, /href="\/auth\/login"/);
        } else assert.match(html, /Gatehouse is restarting/);
      }
      assert.equal(await app.exited, 0, app.output());
      assert.match(app.output(), /drain deadline reached/);
    } finally {
      proxy.restore();
      await app.kill();
    }
  });
});
