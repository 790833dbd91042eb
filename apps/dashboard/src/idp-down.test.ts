// The Okta emulator stopped under a running dashboard, then started again: /readyz says
// "degraded" (still ready), a new sign-in gets our 503 page instead of a redirect to a dead host,
// signed-in users go on, and everything works again without restarting the dashboard.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import pino from 'pino';
import { loadConfig } from '@gatehouse/auth/config';
import { DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_USERS, startEmulator, type Emulator } from '@gatehouse/okta-emulator';
import { startDashboard, type RunningDashboard } from './server.ts';
import { fetchFrom, signInThroughApp } from '@gatehouse/okta-emulator/testing';

async function readiness(url: string): Promise<{ code: number; body: { status: string; checks: Record<string, string> } }> {
  const res = await fetch(`${url}/readyz`);
  return { code: res.status, body: (await res.json()) as { status: string; checks: Record<string, string> } };
}

async function until(what: string, probe: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (await probe()) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  assert.fail(`gave up waiting for ${what}`);
}

describe('the IdP stops and comes back', () => {
  let dir: string;
  let emulator: Emulator;
  let port: number;
  let app: RunningDashboard;
  let url: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gh-idp-down-'));
    emulator = await startEmulator({ port: 0, dataDir: join(dir, 'emulator') });
    port = Number(new URL(emulator.url).port);
    const config = loadConfig({
      NODE_ENV: 'test',
      OKTA_ISSUER: emulator.issuer,
      OKTA_CLIENT_ID: DEMO_CLIENT_ID,
      OKTA_CLIENT_SECRET: DEMO_CLIENT_SECRET,
      APP_BASE_URL: 'http://localhost:3000',
      DATABASE_URL: `file:${join(dir, 'gatehouse.db')}`,
      SESSION_SECRET: 'idp-down-test-secret-0123456789-abcdefghij',
      IDP_PROBE_CACHE_MS: '50',
      IDP_PROBE_TIMEOUT_MS: '500',
    }, { envFile: false, cwd: dir });
    app = await startDashboard({ config, port: 0, hostname: '127.0.0.1', logger: pino({ level: 'silent' }) });
    url = app.url.replace('localhost', '127.0.0.1');
  });
  after(async () => {
    await app?.close();
    await emulator?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('readiness degraded, sign-in 503 page, sessions kept, recovery without a restart', async () => {
    const signedIn = await signInThroughApp(fetchFrom(url), '/auth/login?returnTo=/profile', DEMO_USERS.viewer);
    assert.deepEqual((await readiness(url)).body, { status: 'ready', checks: { sessionStore: 'ok', identityProvider: 'ok', auditLog: 'ok' } });

    await emulator.close();
    await until('/readyz to report the IdP', async () => (await readiness(url)).body.status === 'degraded');
    const degraded = await readiness(url);
    assert.equal(degraded.code, 200, 'only the IdP is down: this instance still serves signed-in users');
    assert.deepEqual(degraded.body.checks, { sessionStore: 'ok', identityProvider: 'degraded', auditLog: 'ok' });

    const login = await fetch(`${url}/auth/login?returnTo=/profile`, { redirect: 'manual' });
    assert.equal(login.status, 503);
    assert.equal(login.headers.get('location'), null, 'no redirect to a dead host');
    assert.equal(login.headers.get('retry-after'), '30');
    const page = await login.text();
    assert.match(page, /Okta is unreachable right now/);
    assert.match(page, /AUTH_IDP_UNAVAILABLE/);

    const profile = await fetch(`${url}/profile`, { headers: { cookie: signedIn.cookie } });
    assert.equal(profile.status, 200);
    assert.match(await profile.text(), /viewer@gatehouse\.test/);

    emulator = await startEmulator({ port, dataDir: join(dir, 'emulator') });
    await until('/readyz to report the IdP back', async () => (await readiness(url)).body.status === 'ready');
    const again = await signInThroughApp(fetchFrom(url), '/auth/login?returnTo=/profile', DEMO_USERS.admin);
    assert.equal(again.landing, '/profile');
  });
});
