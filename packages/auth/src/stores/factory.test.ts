import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ConfigError } from '../config/errors.ts';
import { parseConfig } from '../config/schema.ts';
import { sampleSession } from '../testing/session-store-conformance.ts';
import { describeServer, openStores } from './factory.ts';
import { PostgresAuditLog, PostgresSessionStore } from './postgres.ts';
import { RedisSessionStore } from './redis.ts';
import { SqliteAuditLog } from './sqlite.ts';
import { deleteTestKeys, dropTestSchemas, postgresUrl, rawRedis, redisUrl, requirePostgres, requireRedis, testKeyPrefix, testSchema } from '../testing/backends.ts';

const dir = mkdtempSync(join(tmpdir(), 'gh-'));
after(() => rmSync(dir, { recursive: true, force: true }));
after(dropTestSchemas);
after(deleteTestKeys);
const config = (env: Record<string, string>) => parseConfig({ NODE_ENV: 'test', SESSION_SECRET: 'factory-test-session-secret-0123456789', ...env });

/** Asserts a start-up ConfigError for `field` whose message names `host` and never `secret`. */
const unreachable = (field: string, host: string, secret: string) => (error: unknown) => {
  assert.ok(error instanceof ConfigError, String(error));
  assert.deepEqual(error.issues.map((issue) => issue.field), [field]);
  assert.ok(error.message.includes(host), error.message);
  assert.match(error.message, /not reachable/);
  assert.ok(!error.message.includes(secret), 'the password must not appear in the message');
  return true;
};

describe('openStores', () => {
  it('opens SQLite sessions and audit log in the DATABASE_URL file, creating its folder', async () => {
    const file = join(dir, 'nested', 'gatehouse.db');
    const stores = await openStores(config({ DATABASE_URL: `file:${file}` }));
    await stores.sessions.create(sampleSession());
    await stores.audit.record({ type: 'signin.started', result: 'success' });
    assert.equal(await stores.sessions.count(), 1);
    assert.equal((await stores.audit.query()).length, 1);
    assert.equal(await stores.sessions.ping(), true);
    await stores.close();
    assert.equal(await stores.sessions.ping(), false);
    assert.ok(existsSync(file));
  });

  it('opens PostgreSQL sessions and audit log for DATABASE_URL=postgres://…', async () => {
    await requirePostgres();
    const stores = await openStores(config({ DATABASE_URL: postgresUrl }), { postgres: { schema: testSchema() } });
    try {
      assert.ok(stores.sessions instanceof PostgresSessionStore);
      assert.ok(stores.audit instanceof PostgresAuditLog);
      const session = sampleSession();
      await stores.sessions.create(session);
      await stores.audit.record({ type: 'signin.succeeded', result: 'success', sessionId: session.id });
      assert.deepEqual(await stores.sessions.get(session.id), session);
      assert.equal((await stores.audit.query())[0]?.sessionId, session.id);
      assert.equal(await stores.sessions.ping(), true);
    } finally {
      await stores.close();
    }
    assert.equal(await stores.sessions.ping(), false);
  });

  it('opens Redis sessions for REDIS_URL, the audit log staying on DATABASE_URL', async () => {
    await requireRedis();
    const keyPrefix = testKeyPrefix();
    const stores = await openStores(config({ DATABASE_URL: `file:${join(dir, 'audit.db')}`, REDIS_URL: redisUrl }), { redis: { keyPrefix } });
    const redis = await rawRedis();
    const session = sampleSession();
    try {
      assert.ok(stores.sessions instanceof RedisSessionStore);
      assert.ok(stores.audit instanceof SqliteAuditLog);
      await stores.sessions.create(session);
      assert.equal(await redis.exists(`${keyPrefix}session:${session.id}`), 1);
      assert.deepEqual(await stores.sessions.get(session.id), session);
      assert.equal(await stores.sessions.ping(), true);
    } finally {
      await stores.close();
      await redis.quit();
    }
    assert.equal(await stores.sessions.ping(), false);
  });

  it('fails at start-up naming the variable and host, never the password, when a server is unreachable', async () => {
    await assert.rejects(
      openStores(config({ DATABASE_URL: 'postgres://gatehouse:pg-s3cret@127.0.0.1:1/gatehouse' })),
      unreachable('DATABASE_URL', '127.0.0.1:1/gatehouse', 'pg-s3cret'),
    );
    await assert.rejects(
      openStores(config({ DATABASE_URL: `file:${join(dir, 'r.db')}`, REDIS_URL: 'redis://:redis-s3cret@127.0.0.1:1' })),
      unreachable('REDIS_URL', '127.0.0.1:1', 'redis-s3cret'),
    );
  });

  it('refuses unknown schemes with a clear ConfigError', async () => {
    // parseConfig already refuses these; openStores guards callers that build a config by hand.
    const base = config({ DATABASE_URL: `file:${join(dir, 'x.db')}` });
    await assert.rejects(openStores({ ...base, databaseUrl: 'mysql://db/gatehouse' }), (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.deepEqual(error.issues.map((issue) => issue.field), ['DATABASE_URL']);
      assert.match(error.message, /file:<path>.*postgres:\/\//);
      return true;
    });
    await assert.rejects(openStores({ ...base, redisUrl: 'memcached://cache' }), /REDIS_URL must be a redis:\/\/ or rediss:\/\/ URL/);
  });

  it('describes a server without user or password', () => {
    assert.equal(describeServer('postgres://u:p@db.internal:5432/gatehouse?sslmode=require'), 'db.internal:5432/gatehouse');
    assert.equal(describeServer('rediss://:p@cache.internal:6380'), 'cache.internal:6380');
    assert.equal(describeServer('not a url'), '(unparsable URL)');
  });
});
