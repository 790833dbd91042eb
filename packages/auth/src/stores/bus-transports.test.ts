/**
 * The session-event bus across instances on real Redis and real PostgreSQL: two buses (as two
 * instances would open them through `openStores`) see each other's events once, and a bus whose
 * connection the server dropped reconnects, says so, and receives again.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, describe, it } from 'node:test';
import pg from 'pg';
import { parseConfig } from '../config/schema.ts';
import { createLocalBus, type SessionEvent, type SessionEventBus } from '../events/bus.ts';
import { openStores } from './factory.ts';
import { openPostgresTransport } from './postgres-bus.ts';
import { openRedisTransport } from './redis-bus.ts';
import { deleteTestKeys, dropTestSchemas, postgresUrl, rawRedis, redisUrl, requirePostgres, requireRedis, testKeyPrefix, testSchema } from '../testing/backends.ts';

after(dropTestSchemas);
after(deleteTestKeys);

const unique = () => randomBytes(4).toString('hex');
const config = (env: Record<string, string>) => parseConfig({ NODE_ENV: 'test', SESSION_SECRET: 'bus-transports-test-secret-0123456789-abcdefghij', ...env });

/** Resolves with the next event `bus` delivers; fails the test if none comes within 5 s. */
function nextEvent(bus: SessionEventBus): Promise<SessionEvent> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      stop();
      reject(new Error('no event arrived within 5 s'));
    }, 5000);
    const stop = bus.subscribe((event) => {
      clearTimeout(timer);
      stop();
      resolve(event);
    });
  });
}

/** Resolves when `bus` reports a reconnect; fails the test if it does not within 10 s. */
function reconnected(bus: SessionEventBus): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the bus did not reconnect within 10 s')), 10_000);
    const stop = bus.onReconnect(() => {
      clearTimeout(timer);
      stop();
      resolve();
    });
  });
}

/** Publishes on `from` and asserts `to` receives exactly that event, with its payload. */
async function crosses(from: SessionEventBus, to: SessionEventBus, sub: string): Promise<void> {
  const arriving = nextEvent(to);
  const sent = await from.publish({ type: 'roles.changed', sub, roles: ['viewer'] });
  const received = await arriving;
  assert.equal(received.id, sent.id);
  assert.equal(received.origin, from.instanceId);
  assert.ok(received.type === 'roles.changed');
  assert.deepEqual(received.roles, ['viewer']);
}

describe('session-event bus on Redis pub/sub', () => {
  it('an event published on instance A reaches instance B once, not echoed back to A', async () => {
    await requireRedis();
    const channel = `${testKeyPrefix()}events`;
    const a = createLocalBus({ transport: await openRedisTransport(redisUrl, { channel }) });
    const b = createLocalBus({ transport: await openRedisTransport(redisUrl, { channel }) });
    try {
      await a.start();
      await b.start();
      assert.ok(a.healthy() && b.healthy());
      const atA: SessionEvent[] = [];
      a.subscribe((event) => atA.push(event));
      await crosses(a, b, '00u-redis-1');
      await crosses(b, a, '00u-redis-2');
      assert.deepEqual(atA.map((event) => event.sub), ['00u-redis-1', '00u-redis-2'], 'A saw its own event once and B’s once');
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
    assert.equal(a.healthy(), false, 'closed');
  });

  it('reconnects after Redis drops its connections, reports it, and receives again', async () => {
    await requireRedis();
    const channel = `${testKeyPrefix()}events`;
    const connectionName = `gh-test-bus-${unique()}`;
    const a = createLocalBus({ transport: await openRedisTransport(redisUrl, { channel }) });
    const b = createLocalBus({ transport: await openRedisTransport(redisUrl, { channel, connectionName, onError: () => {} }) });
    const redis = await rawRedis();
    try {
      await a.start();
      await b.start();
      await crosses(a, b, '00u-before');
      const back = reconnected(b);
      // Kill exactly B's two connections (found by name), as a Redis restart or failover would.
      const list = String(await redis.call('CLIENT', 'LIST'));
      const ids = list.split('\n').filter((line) => line.includes(` name=${connectionName} `)).map((line) => /\bid=(\d+)/.exec(line)?.[1]);
      assert.equal(ids.length, 2, 'a publisher and a dedicated subscriber');
      for (const id of ids) await redis.call('CLIENT', 'KILL', 'ID', id!);
      await back;
      assert.equal(b.healthy(), true);
      await crosses(a, b, '00u-after');
      await crosses(b, a, '00u-after-2');
    } finally {
      await Promise.all([a.close(), b.close(), redis.quit()]);
    }
  });

  it('openStores with REDIS_URL gives instances one bus on the key prefix', async () => {
    await requireRedis();
    const keyPrefix = testKeyPrefix();
    const env = config({ DATABASE_URL: 'file::memory:', REDIS_URL: redisUrl });
    const [one, two] = [await openStores(env, { redis: { keyPrefix } }), await openStores(env, { redis: { keyPrefix } })];
    const other = await openStores(env, { redis: { keyPrefix: testKeyPrefix() } });
    try {
      const strays: SessionEvent[] = [];
      other.events.subscribe((event) => strays.push(event));
      await crosses(one.events, two.events, '00u-factory');
      await crosses(two.events, one.events, '00u-factory-2');
      assert.deepEqual(strays.filter((event) => event.origin !== other.events.instanceId), [], 'another key prefix is another bus');
    } finally {
      await Promise.all([one.close(), two.close(), other.close()]);
    }
  });
});

describe('session-event bus on PostgreSQL LISTEN/NOTIFY', () => {
  it('an event published on instance A reaches instance B once, not echoed back to A', async () => {
    await requirePostgres();
    const channel = `gh_test_events_${unique()}`;
    const a = createLocalBus({ transport: await openPostgresTransport(postgresUrl, { channel }) });
    const b = createLocalBus({ transport: await openPostgresTransport(postgresUrl, { channel }) });
    try {
      await a.start();
      await b.start();
      assert.ok(a.healthy() && b.healthy());
      const atA: SessionEvent[] = [];
      a.subscribe((event) => atA.push(event));
      await crosses(a, b, '00u-pg-1');
      await crosses(b, a, '00u-pg-2');
      assert.deepEqual(atA.map((event) => event.sub), ['00u-pg-1', '00u-pg-2']);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
    assert.equal(a.healthy(), false, 'closed');
  });

  it('reconnects after PostgreSQL terminates its listening connection, reports it, and receives again', async () => {
    await requirePostgres();
    const channel = `gh_test_events_${unique()}`;
    const applicationName = `gh-test-bus-${unique()}`;
    const a = createLocalBus({ transport: await openPostgresTransport(postgresUrl, { channel }) });
    const b = createLocalBus({ transport: await openPostgresTransport(postgresUrl, { channel, applicationName, onError: () => {} }) });
    const admin = new pg.Client({ connectionString: postgresUrl });
    await admin.connect();
    try {
      await a.start();
      await b.start();
      await crosses(a, b, '00u-before');
      const back = reconnected(b);
      // Terminate every connection of B (found by application_name), as a server restart would.
      const { rows } = await admin.query<{ ok: boolean }>('SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE application_name = $1', [applicationName]);
      assert.ok(rows.length >= 1 && rows.every((row) => row.ok), 'B’s listening connection was terminated');
      await back;
      assert.equal(b.healthy(), true);
      await crosses(a, b, '00u-after');
      await crosses(b, a, '00u-after-2');
    } finally {
      await Promise.all([a.close(), b.close(), admin.end()]);
    }
  });

  it('openStores with DATABASE_URL=postgres:// gives instances one bus per schema', async () => {
    await requirePostgres();
    const schema = testSchema();
    const env = config({ DATABASE_URL: postgresUrl });
    const [one, two] = [await openStores(env, { postgres: { schema } }), await openStores(env, { postgres: { schema } })];
    const other = await openStores(env, { postgres: { schema: testSchema() } });
    try {
      const strays: SessionEvent[] = [];
      other.events.subscribe((event) => strays.push(event));
      await crosses(one.events, two.events, '00u-factory');
      await crosses(two.events, one.events, '00u-factory-2');
      assert.deepEqual(strays, [], 'another schema is another bus');
    } finally {
      await Promise.all([one.close(), two.close(), other.close()]);
    }
  });

  it('a search_path in DATABASE_URL picks the channel of that schema', async () => {
    await requirePostgres();
    const schema = testSchema();
    const admin = new pg.Client({ connectionString: postgresUrl });
    await admin.connect();
    await admin.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`).finally(() => admin.end());
    const url = `${postgresUrl}?options=${encodeURIComponent(`-c search_path=${schema}`)}`;
    const a = createLocalBus({ transport: await openPostgresTransport(url) });
    const b = createLocalBus({ transport: await openPostgresTransport(url, { channel: `gatehouse_events_${schema}` }) });
    try {
      await a.start();
      await b.start();
      await crosses(a, b, '00u-search-path');
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});
