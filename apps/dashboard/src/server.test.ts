// startDashboard over real HTTP: listens on a free port, serves, closes cleanly, and keeps
// sessions in the SQLite file across a restart.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import pino from 'pino';
import { loadConfig } from '@gatehouse/auth/config';
import { SqliteSessionStore } from '@gatehouse/auth/stores/sqlite';
import { createSessionManager } from '@gatehouse/auth';
import { startDashboard } from './server.ts';

describe('startDashboard', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'gh-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const config = () => loadConfig({ NODE_ENV: 'test', DATABASE_URL: `file:${join(dir, 'gatehouse.db')}`, SESSION_SECRET: 'server-test-secret-0123456789-abcdefghij' }, { envFile: false, cwd: dir });

  test('serves over HTTP on a free port and closes cleanly', async () => {
    const running = await startDashboard({ config: config(), port: 0, hostname: '127.0.0.1', logger: pino({ level: 'silent' }) });
    try {
      assert.match(running.url, /^http:\/\/localhost:\d+$/);
      const url = running.url.replace('localhost', '127.0.0.1');
      const health = await fetch(`${url}/healthz`);
      assert.equal(health.status, 200);
      assert.deepEqual(await health.json(), { status: 'ok' });
      const landing = await fetch(`${url}/`);
      assert.equal(landing.status, 200);
      assert.match(landing.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/);
    } finally {
      await running.close();
    }
    await assert.rejects(fetch(running.url.replace('localhost', '127.0.0.1') + '/healthz'));
  });

  test('a session stored before a restart is still valid after it', async () => {
    const cfg = config();
    const first = await startDashboard({ config: cfg, port: 0, hostname: '127.0.0.1', logger: pino({ level: 'silent' }) });
    await first.close();
    // A session created by the real session manager in the same SQLite file, as a sign-in would.
    const store = SqliteSessionStore.open(cfg.databaseUrl);
    const manager = await createSessionManager(cfg, store);
    const { token } = await manager.create({
      user: { sub: '00uviewer00gatehouse', email: 'viewer@gatehouse.test', name: 'Victor Viewer', groups: ['viewer'] },
      roles: ['viewer'],
      claims: { auth_time: Math.floor(Date.now() / 1000) },
      tokens: { idToken: 'test-id-token', accessToken: 'test-access-token', refreshToken: null },
      accessTokenExpiresAt: Date.now() + 3_600_000,
      userAgent: null,
      ip: null,
    });
    await store.close();
    const cookie = `${cfg.session.cookieName}=${token}`;
    const second = await startDashboard({ config: cfg, port: 0, hostname: '127.0.0.1', logger: pino({ level: 'silent' }) });
    try {
      const me = await fetch(`${second.url.replace('localhost', '127.0.0.1')}/api/me`, { headers: { cookie } });
      assert.equal(me.status, 200);
      assert.equal((await me.json() as { email: string }).email, 'viewer@gatehouse.test');
    } finally {
      await second.close();
    }
  });
});
