// The dashboard over PostgreSQL behind a TCP proxy the test holds: sign-in answers a 503 page
// that blames nobody (not the 400 "invalid parameters" / "Okta did not accept the code" of before),
// within the store timeout, with Retry-After and a metric by cause; and it works again by itself.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import pino from 'pino';
import { loadConfig } from '@gatehouse/auth/config';
import { startTcpProxy, type TcpProxy } from '@gatehouse/auth/testing/tcp-proxy';
import { DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_USERS, startEmulator, type Emulator } from '@gatehouse/okta-emulator';
import { completeSignIn, fetchFrom, signInThroughApp } from '@gatehouse/okta-emulator/testing';
import { startDashboard, type RunningDashboard } from './server.ts';


const POSTGRES_URL = process.env.GATEHOUSE_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const APP_BASE_URL = 'http://localhost:3000';
const schema = `gh_store_faults_${process.pid}_${Date.now()}`;

async function until(what: string, probe: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (await probe()) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  assert.fail(`gave up waiting for ${what}`);
}

describe('sign-in while PostgreSQL does not answer', () => {
  let emulator: Emulator;
  let proxy: TcpProxy;
  let app: RunningDashboard;
  let url: string;

  before(async () => {
    const target = new URL(POSTGRES_URL);
    const probe = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 5000 });
    await probe.connect().catch((err: unknown) => {
      throw new Error(`PostgreSQL is not reachable at ${target.host} (${(err as Error).message}): run the tests through npm test (it starts its own PostgreSQL), or set GATEHOUSE_TEST_POSTGRES_URL`);
    });
    await probe.end();
    proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
    const proxied = new URL(POSTGRES_URL);
    proxied.hostname = '127.0.0.1';
    proxied.port = String(proxy.port);
    emulator = await startEmulator({ port: 0 });
    const config = loadConfig({
      NODE_ENV: 'test',
      OKTA_ISSUER: emulator.issuer,
      OKTA_CLIENT_ID: DEMO_CLIENT_ID,
      OKTA_CLIENT_SECRET: DEMO_CLIENT_SECRET,
      APP_BASE_URL,
      DATABASE_URL: proxied.href,
      SESSION_SECRET: 'store-faults-secret-0123456789-abcdefghij',
      AUTH_RATE_LIMIT_PER_MINUTE: '100000',
      STORE_TIMEOUT_MS: '200',
      STORE_ACQUIRE_TIMEOUT_MS: '200',
      STORE_BREAKER_FAILURES: '3',
      // Long enough that the breaker is still open for the next request even on a loaded machine.
      STORE_BREAKER_COOLDOWN_MS: '3000',
    }, { envFile: false });
    app = await startDashboard({ config, port: 0, hostname: '127.0.0.1', logger: pino({ level: 'silent' }), storeOptions: { postgres: { schema } } });
    url = app.url.replace('localhost', '127.0.0.1');
  });
  after(async () => {
    proxy?.restore();
    await app?.close();
    await emulator?.close();
    await proxy?.close();
    const client = new pg.Client({ connectionString: POSTGRES_URL });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await client.end();
  });

  test('/auth/login and a callback in progress answer 503 "temporarily unavailable", then sign-in works again without a restart', async () => {
    // A sign-in that has reached the IdP and is about to come back.
    const login = await fetch(`${url}/auth/login?returnTo=/profile`, { redirect: 'manual' });
    assert.equal(login.status, 302);
    const txCookie = login.headers.getSetCookie().map((line) => line.split(';')[0]).join('; ');
    const { callbackUrl } = await completeSignIn(login.headers.get('location')!, { username: DEMO_USERS.viewer.login, password: DEMO_USERS.viewer.password });

    proxy.hold();
    const callback = await fetch(`${url}${callbackUrl.pathname}${callbackUrl.search}`, { redirect: 'manual', headers: { cookie: txCookie } });
    assert.equal(callback.status, 503);
    assert.equal(callback.headers.get('retry-after'), '60');
    const callbackPage = await callback.text();
    assert.match(callbackPage, /Sign-in is temporarily unavailable/);
    assert.match(callbackPage, /AUTH_STORE_UNAVAILABLE/);
    assert.doesNotMatch(callbackPage, /Okta did not accept|invalid parameters/);
    assert.doesNotMatch(callbackPage, new RegExp(callbackUrl.searchParams.get('code')!), 'the code is not on the page');

    for (let i = 0; i < 3; i++) {
      const res = await fetch(`${url}/auth/login?returnTo=/profile`, { redirect: 'manual' });
      assert.equal(res.status, 503);
      assert.equal(res.headers.get('retry-after'), '60');
      const page = await res.text();
      assert.match(page, /Sign-in is temporarily unavailable; try again in a minute/);
      assert.doesNotMatch(page, /invalid parameters/);
    }

    const metrics = await (await fetch(app.metricsUrl!.replace('localhost', '127.0.0.1'))).text();
    assert.match(metrics, /^gatehouse_store_failures_total\{store="sessions",cause="store_timeout"\} [1-9]/m);
    assert.match(metrics, /^gatehouse_store_failures_total\{store="sessions",cause="store_circuit_open"\} [1-9]/m);
    assert.match(metrics, /^gatehouse_store_breaker_open\{store="sessions"\} 1$/m);

    proxy.restore();
    await until('sign-in to start again', async () => (await fetch(`${url}/auth/login`, { redirect: 'manual' })).status === 302);
    // The statement that would have taken the login transaction never reached the server (its
    // connection was dropped at the timeout), so the very same callback now completes the sign-in.
    const again = await fetch(`${url}${callbackUrl.pathname}${callbackUrl.search}`, { redirect: 'manual', headers: { cookie: txCookie } });
    assert.equal(again.status, 302, await again.clone().text());
    assert.equal(again.headers.get('location'), '/profile');
    // And a new sign-in from the start completes too.
    const retried = await signInThroughApp(fetchFrom(url), '/auth/login?returnTo=/profile', DEMO_USERS.viewer);
    assert.equal(retried.landing, '/profile');
    const profile = await fetch(`${url}/profile`, { headers: { cookie: retried.cookie } });
    assert.equal(profile.status, 200);
  });
});
