/**
 * The validated-session cache across instances (docs/decisions/010): two instances sharing real
 * Redis, then real PostgreSQL. Their caches keep entries for ten minutes here, far past the
 * default 2 s, so only the session-event bus can make B refuse a session A revoked or re-roled.
 * On Redis, B must do so on the very next request after A's call returned (Redis has written the
 * message to B's connection before it acknowledges A's PUBLISH). On PostgreSQL, NOTIFY reaches the
 * listeners asynchronously after the commit, so the guarantee there is from delivery on: the test
 * waits for B's bus to have the event, then B must refuse at once. A bus outage on B turns its
 * cache off and drops what it held.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import pino from 'pino';
import { createLocalBus } from '@gatehouse/auth';
import { loadConfig } from '@gatehouse/auth/config';
import { openRedisTransport } from '@gatehouse/auth/stores/redis-bus';
import { deleteTestKeys, dropTestSchemas, postgresUrl, redisUrl, requirePostgres, requireRedis, testKeyPrefix, testSchema } from '@gatehouse/auth/testing/backends';
import { startTcpProxy } from '@gatehouse/auth/testing/tcp-proxy';
import { openStores, type GatehouseConfig } from './app-context.ts';
import { assembleApp } from './assembly.ts';
import { serveOnPort, sessionFor, waitForEvent } from './lifecycle/support.ts';

after(dropTestSchemas);
after(deleteTestKeys);

// 10 min: longer than any test, so an entry is never dropped for its age here.
const LONG_LIVED = { maxAgeMs: 600_000 };
const logger = pino({ level: 'silent' });

function configFor(dir: string, env: Record<string, string>): GatehouseConfig {
  return loadConfig({
    NODE_ENV: 'test',
    OKTA_ISSUER: 'https://dev-1.okta.com/oauth2/default',
    OKTA_CLIENT_ID: '0oasessioncache',
    OKTA_CLIENT_SECRET: 'session-cache-secret',
    APP_BASE_URL: 'http://localhost:3000',
    SESSION_SECRET: 'session-cache-session-secret-shared-0123456789',
    LOG_LEVEL: 'silent',
    ...env,
  }, { envFile: false, cwd: dir });
}

/** An assembled instance, B served on a real port: its requests arrive over the network, as a browser's would. */
type App = Awaited<ReturnType<typeof assembleApp>> & { url?: string };
/**
 * Runs A's change; resolves once it returned and, on PostgreSQL (`delivered: true`), once B's bus
 * has heard of it too.
 */
type Change = (what: string, change: () => Promise<unknown>) => Promise<void>;
const changeOn = (b: App, delivered: boolean): Change => async (what, change) => {
  const heard = delivered ? waitForEvent(b.deps.auth.events, what, (event) => event.type !== 'session.created') : null;
  await change();
  await heard;
};
const me = (app: App, cookie: string) =>
  app.url ? fetch(`${app.url}/api/me`, { headers: { cookie } }) : app.app.request('http://localhost:3000/api/me', { headers: { cookie } });

/** Two instances over one backend, each with a long-lived cache; runs `check`; closes both. */
type Check = (a: App, b: App, config: GatehouseConfig, changed: Change) => Promise<void>;

async function withTwoInstances(env: Record<string, string>, storeOptions: Parameters<typeof openStores>[1], check: Check): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'gh-cache-'));
  const config = configFor(dir, env);
  const storesA = await openStores(config, storeOptions);
  const storesB = await openStores(config, storeOptions);
  try {
    const a = await assembleApp(config, storesA, { logger, directory: null, sessionCache: LONG_LIVED });
    const b = await assembleApp(config, storesB, { logger, directory: null, sessionCache: LONG_LIVED });
    const served = await serveOnPort(b.app.fetch);
    try {
      await check(a, { ...b, url: served.url }, config, changeOn(b, env.REDIS_URL === undefined));
    } finally {
      await served.close();
    }
  } finally {
    await Promise.all([storesA.close(), storesB.close()]);
    rmSync(dir, { recursive: true, force: true });
  }
}

async function revokedOnASignedOutOnB(a: App, b: App, config: GatehouseConfig, changed: Change): Promise<void> {
  const { cookie, sessionId } = await sessionFor(b.deps.auth, config, '00ucacherevoke0001', ['viewer']);
  assert.equal((await me(b, cookie)).status, 200, 'signed in on B');
  assert.equal((await me(b, cookie)).status, 200, 'and served again (from B’s cache)');
  await changed('session.ended', () => a.deps.auth.sessions.revoke(sessionId, { reason: 'revoked_by_admin' }));
  // Nothing awaited between the revocation's return (its delivery, on PostgreSQL) and this request.
  const after = await me(b, cookie);
  assert.equal(after.status, 401, 'B refuses the session A revoked');
}

async function reRoledOnAServedOnB(a: App, b: App, config: GatehouseConfig, changed: Change): Promise<void> {
  const sub = '00ucachererole0001';
  const { cookie } = await sessionFor(b.deps.auth, config, sub, ['viewer']);
  assert.deepEqual((await (await me(b, cookie)).json()).roles, ['viewer']);
  assert.deepEqual((await (await me(b, cookie)).json()).roles, ['viewer'], 'served again (from B’s cache)');
  await changed('roles.changed', () => a.deps.auth.lifecycle.reRole(sub, ['admin'], 'admin_panel'));
  assert.deepEqual((await (await me(b, cookie)).json()).roles, ['admin'], 'B serves the roles A wrote');
  await changed('roles.changed', () => a.deps.auth.lifecycle.reRole(sub, [], 'admin_panel'));
  assert.equal((await me(b, cookie)).status, 403, 'with no role left, B refuses the API at once');
}

async function endedUserOnASignedOutOnB(a: App, b: App, config: GatehouseConfig, changed: Change): Promise<void> {
  const sub = '00ucacheenduser0001';
  const first = await sessionFor(b.deps.auth, config, sub, ['viewer']);
  const second = await sessionFor(b.deps.auth, config, sub, ['viewer']);
  for (const { cookie } of [first, second]) assert.equal((await me(b, cookie)).status, 200);
  await changed('user.sessions.ended', () => a.deps.auth.lifecycle.endUserSessions(sub, 'user_deactivated', 'admin_panel'));
  for (const { cookie } of [first, second]) assert.equal((await me(b, cookie)).status, 401, 'every session of the user is refused on B');
}

describe('validated-session cache: a change on one instance is never served from another’s cache once the call returned (delivered, on PostgreSQL)', () => {
  it('revocation, on PostgreSQL (LISTEN/NOTIFY)', async () => {
    await requirePostgres();
    await withTwoInstances({ DATABASE_URL: postgresUrl }, { postgres: { schema: testSchema() } }, revokedOnASignedOutOnB);
  });

  it('re-role, on PostgreSQL (LISTEN/NOTIFY)', async () => {
    await requirePostgres();
    await withTwoInstances({ DATABASE_URL: postgresUrl }, { postgres: { schema: testSchema() } }, reRoledOnAServedOnB);
  });

  it('all of a user’s sessions ended, on PostgreSQL (LISTEN/NOTIFY)', async () => {
    await requirePostgres();
    await withTwoInstances({ DATABASE_URL: postgresUrl }, { postgres: { schema: testSchema() } }, endedUserOnASignedOutOnB);
  });

  for (const [name, check] of [['revocation', revokedOnASignedOutOnB], ['re-role', reRoledOnAServedOnB], ['all of a user’s sessions ended', endedUserOnASignedOutOnB]] as const) {
    it(`${name}, on Redis (pub/sub)`, async () => {
      await requireRedis();
      const dir = mkdtempSync(join(tmpdir(), 'gh-cache-audit-'));
      try {
        await withTwoInstances({ DATABASE_URL: `file:${join(dir, 'audit.db')}`, REDIS_URL: redisUrl }, { redis: { keyPrefix: testKeyPrefix() } }, check);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});

describe('validated-session cache: a bus outage turns it off', () => {
  it('while B’s bus connection is down, B reads every session from the store and forgets what it held (Redis)', async () => {
    await requireRedis();
    const dir = mkdtempSync(join(tmpdir(), 'gh-cache-outage-'));
    const keyPrefix = testKeyPrefix();
    const config = configFor(dir, { DATABASE_URL: `file:${join(dir, 'audit.db')}`, REDIS_URL: redisUrl });
    const storesA = await openStores(config, { redis: { keyPrefix } });
    const storesB = await openStores(config, { redis: { keyPrefix } });
    // B's sessions straight from Redis; only its bus goes through a proxy the test can cut.
    const port = Number(new URL(redisUrl).port || 6379);
    const proxy = await startTcpProxy({ host: new URL(redisUrl).hostname, port });
    const proxied = new URL(redisUrl);
    proxied.hostname = '127.0.0.1';
    proxied.port = String(proxy.port);
    const busB = createLocalBus({ transport: await openRedisTransport(proxied.toString(), { channel: `${keyPrefix}events` }) });
    await busB.start();
    try {
      const a = await assembleApp(config, storesA, { logger, directory: null, sessionCache: LONG_LIVED });
      const b = await assembleApp(config, { ...storesB, events: busB }, { logger, directory: null, sessionCache: LONG_LIVED });
      const one = await sessionFor(b.deps.auth, config, '00ucacheoutage0001', ['viewer']);
      const two = await sessionFor(b.deps.auth, config, '00ucacheoutage0002', ['viewer']);
      for (const { cookie } of [one, two]) assert.equal((await me(b, cookie)).status, 200, 'cached on B');

      proxy.cut();
      await waitUntil(() => !busB.healthy(), 'B’s bus to notice the outage');
      // A revokes while B cannot hear it: B must not answer from its cache.
      await a.deps.auth.sessions.revoke(one.sessionId, { reason: 'revoked_by_admin' });
      assert.equal((await me(b, one.cookie)).status, 401, 'no caching while the bus is down');

      proxy.restore();
      await waitUntil(() => busB.healthy(), 'B’s bus to reconnect');
      // Ended while B was deaf, without any event: what B cached before the outage is gone.
      await storesA.sessions.delete(two.sessionId);
      assert.equal((await me(b, two.cookie)).status, 401, 'nothing cached before the outage survives it');
    } finally {
      await busB.close();
      await proxy.close();
      await Promise.all([storesA.close(), storesB.close()]);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** Polls `done` every 20 ms; fails after 10 s saying what it waited for. */
async function waitUntil(done: () => boolean, what: string): Promise<void> {
  for (let waited = 0; !done(); waited += 20) {
    if (waited >= 10_000) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
