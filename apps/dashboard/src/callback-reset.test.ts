// The rare callback 503 under load: the token request went out on a keep-alive connection the IdP
// closed at that very moment, so it never reached the IdP and the reset came back as "fetch failed"
// (UND_ERR_SOCKET / ECONNRESET). The code is still unused then; one retry on a new connection
// completes the sign-in. A TCP proxy in front of the real emulator resets exactly that request.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import pino from 'pino';
import { loadConfig } from '@gatehouse/auth/config';
import { freePort, startTcpProxy, type TcpProxy } from '@gatehouse/auth/testing/tcp-proxy';
import { DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_USERS, startEmulator, type Emulator } from '@gatehouse/okta-emulator';
import { completeSignIn } from '@gatehouse/okta-emulator/testing';
import { startDashboard, type RunningDashboard } from './server.ts';

describe('a token request reset before it reached the IdP', () => {
  let dir: string;
  let proxy: TcpProxy;
  let emulator: Emulator;
  let app: RunningDashboard;
  let url: string;
  const logs: string[] = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gh-reset-'));
    const port = await freePort();
    proxy = await startTcpProxy({ port });
    emulator = await startEmulator({ port, dataDir: join(dir, 'emulator'), publicUrl: `http://127.0.0.1:${proxy.port}` });
    emulator.addRedirectUris(DEMO_CLIENT_ID, { redirectUris: ['http://localhost:3999/auth/callback'] });
    const config = loadConfig({
      NODE_ENV: 'test',
      OKTA_ISSUER: emulator.issuer,
      OKTA_CLIENT_ID: DEMO_CLIENT_ID,
      OKTA_CLIENT_SECRET: DEMO_CLIENT_SECRET,
      APP_BASE_URL: 'http://localhost:3999',
      DATABASE_URL: `file:${join(dir, 'gatehouse.db')}`,
      SESSION_SECRET: 'reset-test-secret-0123456789-abcdefghijkl',
    }, { envFile: false, cwd: dir });
    const logger = pino({ level: 'info' }, new Writable({ write(chunk, _encoding, done) { logs.push(String(chunk)); done(); } }));
    app = await startDashboard({ config, port: 0, hostname: '127.0.0.1', logger });
    url = app.url.replace('localhost', '127.0.0.1');
  });
  after(async () => {
    await app?.close();
    await emulator?.close();
    await proxy?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('the callback still completes the sign-in (was: 503 AUTH_IDP_UNAVAILABLE with no cause in the log)', async () => {
    const login = await fetch(`${url}/auth/login?returnTo=/profile`, { redirect: 'manual' });
    assert.equal(login.status, 302);
    const cookie = login.headers.getSetCookie().map((line) => line.split(';')[0]).join('; ');
    const { callbackUrl } = await completeSignIn(login.headers.get('location')!, { username: DEMO_USERS.viewer.login, password: DEMO_USERS.viewer.password });
    proxy.resetNextRequest();
    const callback = await fetch(`${url}${callbackUrl.pathname}${callbackUrl.search}`, { redirect: 'manual', headers: { cookie } });
    assert.equal(callback.status, 302, await callback.clone().text());
    assert.equal(callback.headers.get('location'), '/profile');
    const retried = logs.find((line) => line.includes('retried once'));
    assert.ok(retried, 'the retry is logged');
    assert.match(retried, /"causeCode":"(ECONNRESET|UND_ERR_SOCKET)"/);
  });
});
