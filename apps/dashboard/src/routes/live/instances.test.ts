/**
 * Two instances of the app on one real Redis and on one real PostgreSQL (as two replicas behind
 * one Ingress would be): a page holding `/live` open at instance B hears what an admin does at
 * instance A — the revocation, a role change, a new sign-in — through the store's bus transport.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import pino from 'pino';
import { resolveRoles } from '@gatehouse/auth';
import { loadConfig } from '@gatehouse/auth/config';
import { openStores } from '@gatehouse/auth/stores/factory';
import { DEMO_USERS } from '@gatehouse/okta-emulator';
import {
  deleteTestKeys, dropTestSchemas, postgresUrl, redisUrl, requirePostgres, requireRedis, testKeyPrefix, testSchema,
} from '../../../../../packages/auth/src/testing/backends.ts';
import type { GatehouseConfig } from '../../app-context.ts';
import { assembleApp } from '../../assembly.ts';
import { APP_BASE_URL, SAME_ORIGIN } from '../../testing/harness.ts';
import { SseReader } from './sse-reader.ts';

after(dropTestSchemas);
after(deleteTestKeys);

type Instance = Awaited<ReturnType<typeof assembleApp>> & { close(): Promise<void> };

const LIVE = { 'Sec-Fetch-Site': 'same-origin' } as const;

/** Opens instance A and B on one backend; `closeAll` stops both and removes what they made. */
async function openPair(backend: 'redis' | 'postgres'): Promise<{ a: Instance; b: Instance; config: GatehouseConfig; closeAll(): Promise<void> }> {
  if (backend === 'redis') await requireRedis();
  else await requirePostgres();
  const dir = mkdtempSync(join(tmpdir(), 'gh-live-pair-'));
  const config = loadConfig({
    NODE_ENV: 'test',
    APP_BASE_URL,
    SESSION_SECRET: 'live-pair-session-secret-shared-by-both-0123',
    LOG_LEVEL: 'silent',
    ...(backend === 'redis'
      ? { REDIS_URL: redisUrl, DATABASE_URL: `file:${join(dir, 'audit.db')}` }
      : { DATABASE_URL: postgresUrl }),
  }, { envFile: false, cwd: dir });
  const shared = backend === 'redis' ? { redis: { keyPrefix: testKeyPrefix() } } : { postgres: { schema: testSchema() } };
  const open = async (): Promise<Instance> => {
    const stores = await openStores(config, shared);
    const assembled = await assembleApp(config, stores, { logger: pino({ level: 'silent' }), directory: null, live: { coalesceMs: 20 } });
    return { ...assembled, close: async () => { await assembled.deps.live.closeAll(); await stores.close(); } };
  };
  const a = await open();
  const b = await open();
  return {
    a,
    b,
    config,
    async closeAll() {
      await Promise.allSettled([a.close(), b.close()]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A real session of a demo user, made through instance `at`'s session manager. */
async function signIn(at: Instance, config: GatehouseConfig, kind: keyof typeof DEMO_USERS): Promise<{ cookie: string; id: string; sub: string }> {
  const demo = DEMO_USERS[kind];
  const { roles, groups } = resolveRoles([...demo.groups], config.roles);
  const now = Date.now();
  const { token, session } = await at.deps.auth.sessions.create({
    user: { sub: demo.id, email: demo.login, name: demo.name, groups },
    roles,
    // Just signed in with a second factor: admin actions need no step-up.
    claims: { auth_time: Math.floor(now / 1000), amr: ['pwd', 'mfa', 'otp'], preferred_username: demo.login },
    tokens: { idToken: 'test-id-token', accessToken: 'test-access-token', refreshToken: null },
    accessTokenExpiresAt: now + 3_600_000,
    userAgent: 'Firefox on Linux',
    ip: '203.0.113.0/24',
  });
  return { cookie: `${config.session.cookieName}=${token}`, id: session.id, sub: session.user.sub };
}

async function live(at: Instance, cookie: string): Promise<SseReader> {
  const res = await at.app.request(`${APP_BASE_URL}/live`, { headers: { ...LIVE, cookie } });
  assert.equal(res.status, 200);
  return new SseReader(res);
}

for (const backend of ['redis', 'postgres'] as const) {
  describe(`live pages across two instances on ${backend === 'redis' ? 'Redis' : 'PostgreSQL'}`, () => {
    test('an admin revokes a session at instance A: the page connected to instance B is signed out, saying why', async () => {
      const { a, b, config, closeAll } = await openPair(backend);
      const streams: SseReader[] = [];
      try {
        const viewer = await signIn(a, config, 'viewer');
        const admin = await signIn(a, config, 'admin');
        const page = await live(b, viewer.cookie);
        const adminPage = await live(b, admin.cookie);
        streams.push(page, adminPage);
        // Through the admin panel of instance A, as the admin's browser would.
        const revoke = await a.app.request(`${APP_BASE_URL}/admin/sessions/${viewer.id}/revoke`, { method: 'POST', headers: { ...SAME_ORIGIN, cookie: admin.cookie } });
        assert.equal(revoke.status, 303);
        assert.deepEqual(JSON.parse((await page.until('signed-out')).data), { reason: 'revoked_by_admin' });
        assert.equal(await page.next(), null, 'the stream at B ends with the session');
        // The admin's own page at B sees the sessions table change.
        await adminPage.until('sessions');
      } finally {
        await Promise.all(streams.map((s) => s.close()));
        await closeAll();
      }
    });

    test('a role change and a new sign-in at instance A reach the pages at instance B', async () => {
      const { a, b, config, closeAll } = await openPair(backend);
      const streams: SseReader[] = [];
      try {
        const admin = await signIn(a, config, 'admin');
        const adminPage = await live(b, admin.cookie);
        streams.push(adminPage);
        await signIn(a, config, 'viewer');
        await adminPage.until('sessions');
        await a.deps.auth.events.publish({ type: 'roles.changed', sub: admin.sub, roles: ['viewer'] });
        assert.deepEqual(JSON.parse((await adminPage.until('reload')).data), { why: 'roles' });
      } finally {
        await Promise.all(streams.map((s) => s.close()));
        await closeAll();
      }
    });
  });
}
