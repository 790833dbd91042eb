// PostgreSQL and Redis behind a TCP proxy the test holds (a partition) or cuts (a crash): store
// calls answer within their timeout with a classified StoreUnavailableError, the breaker then fails
// them fast, and the store is used again by itself once the network is back — no restart.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { loadConfig } from '../config/index.ts';
import { StoreUnavailableError, type StoreFailureCause } from '../errors.ts';
import { startTcpProxy, type TcpProxy } from '../testing/tcp-proxy.ts';
import { sampleSession } from '../testing/session-store-conformance.ts';
import { openStores, type OpenedStores } from './factory.ts';
import { deleteTestKeys, dropTestSchemas, postgresUrl, redisUrl, requirePostgres, requireRedis, testKeyPrefix, testSchema } from '../testing/backends.ts';

const dir = mkdtempSync(join(tmpdir(), 'gh-faults-'));
after(async () => {
  await dropTestSchemas();
  await deleteTestKeys();
  rmSync(dir, { recursive: true, force: true });
});

function through(proxy: TcpProxy, url: string): string {
  const parsed = new URL(url);
  parsed.hostname = '127.0.0.1';
  parsed.port = String(proxy.port);
  return parsed.href;
}

async function causeOf(work: Promise<unknown>): Promise<StoreFailureCause> {
  try {
    await work;
  } catch (error) {
    assert.ok(error instanceof StoreUnavailableError, `a StoreUnavailableError, not ${String(error)}`);
    return error.reason;
  }
  assert.fail('the call should have failed');
}

async function recovers(stores: OpenedStores, id: string): Promise<void> {
  for (let attempt = 0; attempt < 400; attempt++) {
    const session = await stores.sessions.get(id).catch(() => null);
    if (session) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  assert.fail('the store did not recover');
}

const backends = [
  { name: 'PostgreSQL', require: requirePostgres, target: postgresUrl, env: (url: string) => ({ DATABASE_URL: url }), options: () => ({ postgres: { schema: testSchema() } }) },
  { name: 'Redis', require: requireRedis, target: redisUrl, env: (url: string) => ({ REDIS_URL: url }), options: () => ({ redis: { keyPrefix: testKeyPrefix() } }) },
];

for (const backend of backends) {
  describe(`${backend.name} behind a failing network`, () => {
    test('held: calls time out, the breaker opens and fails fast, then it closes by itself', async () => {
      await backend.require();
      const target = new URL(backend.target);
      const proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port) });
      const failures: StoreFailureCause[] = [];
      const transitions: string[] = [];
      const config = loadConfig({
        NODE_ENV: 'test',
        SESSION_SECRET: 'faults-test-secret-0123456789-abcdefghijk',
        DATABASE_URL: `file:${join(dir, `${backend.name}.db`)}`,
        ...backend.env(through(proxy, backend.target)),
        STORE_TIMEOUT_MS: '150',
        STORE_ACQUIRE_TIMEOUT_MS: '150',
        STORE_BREAKER_FAILURES: '3',
        STORE_BREAKER_COOLDOWN_MS: '1000',
      }, { envFile: false, cwd: dir });
      const stores = await openStores(config, {
        ...backend.options(),
        onStoreFailure: (store, cause) => store === 'sessions' && failures.push(cause),
        onBreakerChange: (store, state) => store === 'sessions' && transitions.push(state),
      });
      try {
        const session = sampleSession();
        await stores.sessions.create(session);
        proxy.hold();
        // Each call ends with the timeout instead of waiting for the partition to heal.
        for (let i = 0; i < 3; i++) assert.equal(await causeOf(stores.sessions.get(session.id)), 'store_timeout');
        assert.equal(stores.breakerState(), 'open');
        // Open: the call is refused before it reaches the network.
        assert.equal(await causeOf(stores.sessions.get(session.id)), 'store_circuit_open');
        assert.equal(await stores.sessions.ping(), false);
        proxy.restore();
        await recovers(stores, session.id);
        assert.equal(stores.breakerState(), 'closed');
        assert.deepEqual(transitions.slice(0, 2), ['open', 'half_open']);
        assert.equal(transitions.at(-1), 'closed');
        assert.deepEqual(failures.slice(0, 4), ['store_timeout', 'store_timeout', 'store_timeout', 'store_circuit_open']);
      } finally {
        proxy.restore();
        await stores.close();
        await proxy.close();
      }
    });

    test('cut: calls fail as unreachable (or time out while reconnecting), and the store recovers when the server is back', async () => {
      await backend.require();
      const target = new URL(backend.target);
      const proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port) });
      const config = loadConfig({
        NODE_ENV: 'test',
        SESSION_SECRET: 'faults-test-secret-0123456789-abcdefghijk',
        DATABASE_URL: `file:${join(dir, `${backend.name}-cut.db`)}`,
        ...backend.env(through(proxy, backend.target)),
        STORE_TIMEOUT_MS: '150',
        STORE_ACQUIRE_TIMEOUT_MS: '150',
        STORE_BREAKER_FAILURES: '2',
        STORE_BREAKER_COOLDOWN_MS: '1000',
      }, { envFile: false, cwd: dir });
      const stores = await openStores(config, backend.options());
      try {
        const session = sampleSession();
        await stores.sessions.create(session);
        proxy.cut();
        const causes = [await causeOf(stores.sessions.get(session.id)), await causeOf(stores.sessions.get(session.id))];
        for (const cause of causes) assert.ok(['store_unreachable', 'store_timeout'].includes(cause), cause);
        assert.equal(await causeOf(stores.sessions.get(session.id)), 'store_circuit_open');
        proxy.restore();
        await recovers(stores, session.id);
      } finally {
        proxy.restore();
        await stores.close();
        await proxy.close();
      }
    });
  });
}
