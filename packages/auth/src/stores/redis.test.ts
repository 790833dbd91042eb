import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { Redis } from 'ioredis';
import { runSessionStoreConformance, sampleSession, sampleTransaction } from '../testing/session-store-conformance.ts';
import { RedisSessionStore } from './redis.ts';
import { deleteTestKeys, itSharesOneBackend, rawRedis, redisUrl, requireRedis, testKeyPrefix } from '../testing/backends.ts';

after(deleteTestKeys);

// requireRedis first, so an absent server fails each test with what to start.
const openStore = async (keyPrefix = testKeyPrefix()) => {
  await requireRedis();
  return RedisSessionStore.open(redisUrl, { keyPrefix });
};

/** Runs `use` with a fresh store and a raw connection to look at its keys; closes both after. */
async function withStore(use: (store: RedisSessionStore, redis: Redis, prefix: string) => Promise<void>): Promise<void> {
  const prefix = testKeyPrefix();
  const store = await openStore(prefix);
  const redis = await rawRedis();
  try {
    await use(store, redis, prefix);
  } finally {
    await store.close();
    await redis.quit();
  }
}

it('Redis is reachable for the store tests', requireRedis);

runSessionStoreConformance('RedisSessionStore', () => openStore());

describe('RedisSessionStore specifics', () => {
  itSharesOneBackend('Redis', () => {
    const prefix = testKeyPrefix();
    return Promise.all([openStore(prefix), openStore(prefix)]);
  });

  it('lets Redis expire sessions: the key expires at the earlier of idle and absolute expiry, and touch moves it', () =>
    withStore(async (store, redis, prefix) => {
      const now = Date.now();
      const idleFirst = sampleSession({ expiresAt: now + 60_000, absoluteExpiresAt: now + 120_000 }, now);
      const absoluteFirst = sampleSession({ expiresAt: now + 60_000, absoluteExpiresAt: now + 30_000 }, now);
      await store.create(idleFirst);
      await store.create(absoluteFirst);
      assert.equal(await redis.pexpiretime(`${prefix}session:${idleFirst.id}`), now + 60_000);
      assert.equal(await redis.pexpiretime(`${prefix}session:${absoluteFirst.id}`), now + 30_000);

      await store.touch(idleFirst.id, now + 10_000, now + 70_000);
      assert.equal(await redis.pexpiretime(`${prefix}session:${idleFirst.id}`), now + 70_000);
      await store.touch(idleFirst.id, now + 20_000, now + 500_000);
      assert.equal(await redis.pexpiretime(`${prefix}session:${idleFirst.id}`), now + 120_000, 'never past the absolute expiry');
      assert.equal(await redis.pexpiretime(`${prefix}user:${idleFirst.user.sub}`), now + 120_000, 'the user index lives as long as its longest session');
      assert.equal(await redis.zscore(`${prefix}sessions:by-expiry`, idleFirst.id), String(now + 120_000));

      // A session created already expired never becomes readable, yet is counted by the next purge.
      const stale = sampleSession({ expiresAt: now - 1 }, now);
      await store.create(stale);
      assert.equal(await redis.exists(`${prefix}session:${stale.id}`), 0);
      assert.equal(await store.get(stale.id), null);
      assert.equal(await store.purgeExpired(now), 1);
    }));

  it('keeps login transactions for 10 minutes under tx:<state>', () =>
    withStore(async (store, redis, prefix) => {
      await store.putTransaction(sampleTransaction({ state: 'ttl-state' }));
      const ttl = await redis.pttl(`${prefix}tx:ttl-state`);
      assert.ok(ttl > 590_000 && ttl <= 600_000, `PTTL was ${ttl}`);
    }));

  it('prunes index entries whose session vanished (eviction, manual deletion) when listing', () =>
    withStore(async (store, redis, prefix) => {
      const kept = sampleSession();
      const evicted = sampleSession();
      await store.create(kept);
      await store.create(evicted);
      await redis.del(`${prefix}session:${evicted.id}`);
      assert.deepEqual((await store.list()).map((s) => s.id), [kept.id]);
      assert.deepEqual((await store.list({ sub: kept.user.sub })).map((s) => s.id), [kept.id]);
      assert.equal(await redis.zscore(`${prefix}sessions:by-created`, evicted.id), null);
      assert.equal(await redis.zscore(`${prefix}sessions:by-expiry`, evicted.id), null);
      assert.equal(await redis.sismember(`${prefix}user:${kept.user.sub}`, evicted.id), 0);
    }));

  it('moves a session between user indexes when a refresh changes its subject', async () => {
    const store = await openStore();
    try {
      const session = sampleSession();
      await store.create(session);
      await store.update({ ...session, user: { ...session.user, sub: '00u-renamed' } });
      assert.equal(await store.deleteByUser(session.user.sub), 0);
      assert.deepEqual((await store.list({ sub: '00u-renamed' })).map((s) => s.id), [session.id]);
      assert.equal(await store.deleteByUser('00u-renamed'), 1);
    } finally {
      await store.close();
    }
  });

  it('lists past one index batch and pages without repeats', async () => {
    const store = await openStore();
    try {
      const now = Date.now();
      const sessions = Array.from({ length: 620 }, (_, i) => sampleSession({ createdAt: now - i }, now));
      for (const session of sessions) await store.create(session);
      const ids = sessions.map((s) => s.id);
      assert.deepEqual((await store.list({ limit: 1000 })).map((s) => s.id), ids);
      assert.deepEqual((await store.list({ offset: 550, limit: 100 })).map((s) => s.id), ids.slice(550, 650));
      assert.equal(await store.count(), 620);
      assert.equal(await store.purgeExpired(now + 43_200_000), 620);
      assert.equal(await store.count(), 0);
    } finally {
      await store.close();
    }
  });

  it('refuses a bad key prefix and rejects (without reconnecting forever) when Redis cannot be reached', async () => {
    await assert.rejects(RedisSessionStore.open(redisUrl, { keyPrefix: 'has space' }), TypeError);
    await assert.rejects(RedisSessionStore.open('redis://127.0.0.1:1'), /ECONNREFUSED/);
  });
});
