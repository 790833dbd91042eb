/**
 * Live pages across two instances, in Chromium: instance A and instance B share one real Redis
 * (then one real PostgreSQL), as two replicas behind one Ingress would. The viewer's dashboards
 * page is open at B, served over HTTP on a free loopback port (no fixed port: this suite may run
 * beside the others); the admin revokes the session through A's admin panel; the page at B goes
 * to the signed-out page by itself, saying why.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { serve } from '@hono/node-server';
import pino from 'pino';
import type { Browser } from 'playwright-core';
import { loadConfig } from '@gatehouse/auth/config';
import { openStores } from '@gatehouse/auth/stores/factory';
import { DEMO_USERS } from '@gatehouse/okta-emulator';
import {
  deleteTestKeys, dropTestSchemas, postgresUrl, redisUrl, requirePostgres, requireRedis, testKeyPrefix, testSchema,
} from '../packages/auth/src/testing/backends.ts';
import { assembleApp } from '../apps/dashboard/src/assembly.ts';
import { launchBrowser, newPage } from './harness.ts';

after(dropTestSchemas);
after(deleteTestKeys);

/** A free loopback port, so instance B's base URL (and the same-origin check) is known before it starts. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

for (const backend of ['redis', 'postgres'] as const) {
  describe(`browser: live pages across two instances on ${backend === 'redis' ? 'Redis' : 'PostgreSQL'}`, () => {
    let browser: Browser;
    before(async () => {
      browser = await launchBrowser();
    });
    after(async () => {
      await browser?.close();
    });

    test("the admin revokes the viewer's session at instance A; the viewer's open page at instance B says so", async () => {
      if (backend === 'redis') await requireRedis();
      else await requirePostgres();
      const dir = mkdtempSync(join(tmpdir(), 'gh-live-browser-pair-'));
      const baseUrl = `http://127.0.0.1:${await freePort()}`;
      const config = loadConfig({
        NODE_ENV: 'test',
        APP_BASE_URL: baseUrl,
        SESSION_SECRET: 'live-browser-pair-secret-shared-by-both-01',
        LOG_LEVEL: 'silent',
        ...(backend === 'redis' ? { REDIS_URL: redisUrl, DATABASE_URL: `file:${join(dir, 'audit.db')}` } : { DATABASE_URL: postgresUrl }),
      }, { envFile: false, cwd: dir });
      const shared = backend === 'redis' ? { redis: { keyPrefix: testKeyPrefix() } } : { postgres: { schema: testSchema() } };
      const storesA = await openStores(config, shared);
      const storesB = await openStores(config, shared);
      const a = await assembleApp(config, storesA, { logger: pino({ level: 'silent' }), directory: null });
      const b = await assembleApp(config, storesB, { logger: pino({ level: 'silent' }), directory: null });
      const server = serve({ fetch: b.app.fetch, port: Number(new URL(baseUrl).port), hostname: '127.0.0.1' });
      await new Promise<void>((resolve) => server.once('listening', () => resolve()));
      const { context, page } = await newPage(browser);
      try {
        // Real sessions made at A (the sign-in itself is the other suites'); the browser holds the viewer's cookie.
        const session = async (kind: 'viewer' | 'admin') => {
          const demo = DEMO_USERS[kind];
          const { roles, groups } = a.deps.auth.rbac.resolve([...demo.groups]);
          const now = Date.now();
          return a.deps.auth.sessions.create({
            user: { sub: demo.id, email: demo.login, name: demo.name, groups },
            roles,
            // Signed in with a second factor just now: the admin's revoke needs no step-up.
            claims: { auth_time: Math.floor(now / 1000), amr: ['pwd', 'mfa', 'otp'], preferred_username: demo.login },
            tokens: { idToken: 'test-id-token', accessToken: 'test-access-token', refreshToken: null },
            accessTokenExpiresAt: now + 3_600_000,
            userAgent: 'Chromium on Linux',
            ip: '127.0.0.0/24',
          });
        };
        const viewer = await session('viewer');
        const admin = await session('admin');
        await context.addCookies([{ name: config.session.cookieName, value: viewer.token, url: baseUrl, httpOnly: true, sameSite: 'Lax' }]);

        const res = await page.goto(`${baseUrl}/dashboards`);
        assert.equal(res?.status(), 200);
        await page.locator('#live-indicator[data-state="live"]').waitFor();
        assert.equal(b.deps.live.stats().streams, 1, 'the page holds its stream at B');
        assert.equal(a.deps.live.stats().streams, 0, 'and none at A');

        // Through the admin panel of instance A, as the admin's browser would.
        const revoke = await a.app.request(`${baseUrl}/admin/sessions/${viewer.session.id}/revoke`, {
          method: 'POST',
          headers: { Origin: baseUrl, 'Sec-Fetch-Site': 'same-origin', cookie: `${config.session.cookieName}=${admin.token}` },
        });
        assert.equal(revoke.status, 303);
        // Nobody touches the page at B: it goes by itself.
        await page.waitForURL((u) => u.pathname === '/signed-out');
        await page.getByText(/an administrator ended your session/i).waitFor();
      } finally {
        await context.close();
        (server as { closeAllConnections?: () => void }).closeAllConnections?.();
        await new Promise((resolve) => server.close(resolve));
        await Promise.allSettled([a.deps.live.closeAll(), b.deps.live.closeAll()]);
        await Promise.allSettled([storesA.close(), storesB.close()]);
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}
