// Sessions in Redis, the audit log in PostgreSQL behind a TCP proxy the test holds: sign-ins go on
// during the audit store's outage, their audit entries wait in the spool (/readyz: auditLog
// degraded), and when PostgreSQL is back every entry is in the log once, shown as delayed.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import pino from 'pino';
import { loadConfig } from '@gatehouse/auth/config';
import { startTcpProxy, type TcpProxy } from '@gatehouse/auth/testing/tcp-proxy';
import { DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_USERS, startEmulator, type Emulator } from '@gatehouse/okta-emulator';
import { startDashboard, type RunningDashboard } from './server.ts';
import { fetchFrom, signInThroughApp } from '@gatehouse/okta-emulator/testing';

const POSTGRES_URL = process.env.GATEHOUSE_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const REDIS_URL = process.env.GATEHOUSE_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const schema = `gh_audit_outage_${process.pid}_${Date.now()}`;

async function until(what: string, probe: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (await probe()) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  assert.fail(`gave up waiting for ${what}`);
}

describe('the audit store fails while people sign in', () => {
  let dir: string;
  let emulator: Emulator;
  let proxy: TcpProxy;
  let app: RunningDashboard;
  let url: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gh-audit-outage-'));
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
    emulator = await startEmulator({ port: 0, dataDir: join(dir, 'emulator') });
    const config = loadConfig({
      NODE_ENV: 'test',
      OKTA_ISSUER: emulator.issuer,
      OKTA_CLIENT_ID: DEMO_CLIENT_ID,
      OKTA_CLIENT_SECRET: DEMO_CLIENT_SECRET,
      APP_BASE_URL: 'http://localhost:3000',
      DATABASE_URL: proxied.href,
      REDIS_URL,
      GATEHOUSE_DATA_DIR: join(dir, 'data'),
      SESSION_SECRET: 'audit-outage-secret-0123456789-abcdefghij',
      AUTH_RATE_LIMIT_PER_MINUTE: '100000',
      STORE_TIMEOUT_MS: '200',
      STORE_ACQUIRE_TIMEOUT_MS: '200',
      AUDIT_SPOOL_RETRY_MS: '100',
    }, { envFile: false, cwd: dir });
    app = await startDashboard({
      config,
      port: 0,
      hostname: '127.0.0.1',
      logger: pino({ level: 'silent' }),
      storeOptions: { postgres: { schema }, redis: { keyPrefix: `gh-audit-outage-${process.pid}:` } },
    });
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
    rmSync(dir, { recursive: true, force: true });
  });

  test('sign-ins during the outage are audited once each after it, and the admin panel shows the delay', async () => {
    const admin = await signInThroughApp(fetchFrom(url), '/auth/login?returnTo=/admin', DEMO_USERS.admin);
    proxy.hold();
    for (let i = 0; i < 3; i++) await signInThroughApp(fetchFrom(url), '/auth/login?returnTo=/profile', DEMO_USERS.viewer);
    const ready = await fetch(`${url}/readyz`);
    assert.equal(ready.status, 200, 'sessions work: still ready');
    const body = (await ready.json()) as { status: string; checks: Record<string, string>; reasons: Record<string, string> };
    assert.equal(body.status, 'degraded');
    assert.equal(body.checks.auditLog, 'degraded');
    assert.match(body.reasons.auditLog ?? '', /^spooled_\d+$/);

    proxy.restore();
    await until('the spool to be written', async () => ((await (await fetch(`${url}/readyz`)).json()) as { checks: Record<string, string> }).checks.auditLog === 'ok');
    const page = await fetch(`${url}/admin/audit?type=signin.succeeded&user=viewer%40gatehouse.test`, { headers: { cookie: admin.cookie } });
    assert.equal(page.status, 200);
    const html = await page.text();
    assert.equal(html.match(/<tr[ >]/g)?.length, 1 + 3, 'a header row and each sign-in once');
    assert.equal(html.match(/written \d+ s late \(store outage\)/g)?.length, 3);
    assert.doesNotMatch(html, /spoolId/);
  });
});
