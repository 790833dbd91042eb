/**
 * Test support (not shipped): the real PostgreSQL and Redis the store tests run against, an
 * isolated schema / key prefix per store, and cleanup. A server that cannot be reached makes the
 * tests FAIL with what to start or set; they never skip.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { it } from 'node:test';
import { Redis } from 'ioredis';
import pg from 'pg';
import type { AuthStore } from '../types.ts';
import { sampleSession, sampleTransaction } from './session-store-conformance.ts';
import { describeServer, reasonOf } from '../stores/factory.ts';

type Store = AuthStore;

/**
 * PostgreSQL the store tests use: `GATEHOUSE_TEST_POSTGRES_URL` (`npm test` sets it to the throwaway
 * server it starts), else the local `test` database for a test file run on its own.
 */
export const postgresUrl = process.env.GATEHOUSE_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
/** Redis the store tests use: `GATEHOUSE_TEST_REDIS_URL` (set by `npm test`), else the local server. */
export const redisUrl = process.env.GATEHOUSE_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

const run = randomBytes(4).toString('hex');
let counter = 0;

/** Ensures PostgreSQL answers, else throws an error saying what to start or set. */
export async function requirePostgres(): Promise<void> {
  const client = new pg.Client({ connectionString: postgresUrl, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
  } catch (error) {
    throw new Error(
      `PostgreSQL is not reachable at ${describeServer(postgresUrl)} (${reasonOf(error, postgresUrl)}): run the tests through npm test (it starts its own PostgreSQL), or set GATEHOUSE_TEST_POSTGRES_URL`,
    );
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * A raw connection for assertions on keys and cleanup. It does not reconnect, so an absent
 * server makes it reject (with the socket's reason) instead of retrying until the test times out.
 */
export async function rawRedis(): Promise<Redis> {
  const client = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  let cause: Error | undefined;
  client.on('error', (error: Error) => {
    cause ??= error;
  });
  try {
    await client.connect();
    await client.ping();
  } catch (error) {
    client.disconnect();
    throw cause ?? error;
  }
  return client;
}

/** Ensures Redis answers, else throws an error saying what to start or set. */
export async function requireRedis(): Promise<void> {
  let client: Redis;
  try {
    client = await rawRedis();
  } catch (error) {
    throw new Error(`Redis is not reachable at ${describeServer(redisUrl)} (${reasonOf(error, redisUrl)}): run the tests through npm test (it starts its own Redis), or set GATEHOUSE_TEST_REDIS_URL`);
  }
  client.disconnect();
}

const schemas: string[] = [];

/** A schema name no other test (or parallel test file) uses; dropped by {@link dropTestSchemas}. */
export function testSchema(): string {
  const schema = `gh_test_${run}_${++counter}`;
  schemas.push(schema);
  return schema;
}

/** Drops every schema this process handed out (tables and all). */
export async function dropTestSchemas(): Promise<void> {
  if (schemas.length === 0) return;
  const client = new pg.Client({ connectionString: postgresUrl });
  try {
    await client.connect();
  } catch {
    return; // unreachable: every test has already failed saying so, and nothing was created
  }
  try {
    for (const schema of schemas.splice(0)) await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}

/** A Redis key prefix no other test uses; its keys are deleted by {@link deleteTestKeys}. */
export function testKeyPrefix(): string {
  return `gh-test:${run}:${++counter}:`;
}

/** Deletes every key this process created (all under `gh-test:<run>:`). */
export async function deleteTestKeys(): Promise<void> {
  let client: Redis;
  try {
    client = await rawRedis();
  } catch {
    return; // unreachable: every test has already failed saying so, and there is nothing to delete
  }
  try {
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `gh-test:${run}:*`, 'COUNT', 500);
      cursor = next;
      if (keys.length) await client.del(...keys);
    } while (cursor !== '0');
  } finally {
    await client.quit();
  }
}

/**
 * Registers the test every store meant for several instances (PostgreSQL, Redis) passes: two
 * instances on one backend see each other's sessions, and of concurrent takes of one login
 * transaction (or acquisitions of one lease) exactly one gets it. `openPair` opens both on one fresh schema or key prefix.
 */
export function itSharesOneBackend(backend: string, openPair: () => Promise<[Store, Store]>): void {
  it(`two instances on one ${backend} see each other’s sessions, and exactly one takes a transaction`, async () => {
    const [first, second] = await openPair();
    try {
      const session = sampleSession();
      await first.create(session);
      assert.deepEqual(await second.get(session.id), session);
      await second.touch(session.id, session.lastSeenAt + 1000, session.expiresAt + 1000);
      assert.equal((await first.get(session.id))?.expiresAt, session.expiresAt + 1000);
      assert.equal(await second.count(), 1);

      const tx = sampleTransaction();
      await first.putTransaction(tx);
      const results = await Promise.all(Array.from({ length: 6 }, (_, i) => (i % 2 ? first : second).takeTransaction(tx.state)));
      assert.equal(results.filter((result) => result !== null).length, 1);

      // Of the two instances racing for one lease, exactly one gets it; the other gets it once released.
      const leases = await Promise.all([first.acquireLease('refresh:shared', 'first', 60_000), second.acquireLease('refresh:shared', 'second', 60_000)]);
      assert.equal(leases.filter(Boolean).length, 1);
      const [winner, loser] = leases[0] ? [first, second] : [second, first];
      await winner.releaseLease('refresh:shared', winner === first ? 'first' : 'second');
      assert.equal(await loser.acquireLease('refresh:shared', loser === first ? 'first' : 'second', 60_000), true);

      assert.equal(await second.deleteByUser(session.user.sub), 1);
      assert.equal(await first.get(session.id), null);
    } finally {
      await Promise.all([first.close(), second.close()]);
    }
  });
}
