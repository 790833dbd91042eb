// The audit spool over the real PostgreSQL audit log behind a TCP proxy: events written during an
// outage are kept in the spool file and land in the log when it is back — all of them, in order,
// each once, marked with their delay — including after a crash mid-replay and when the first write
// did reach the server but its answer was lost. Before this, they were dropped ("audit sink failed").
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { loadConfig } from '../config/index.ts';
import { startTcpProxy, type TcpProxy } from '../testing/tcp-proxy.ts';
import type { AuditEvent } from '../types.ts';
import { SpoolingAuditLog } from './audit-spool.ts';
import { openStores, type OpenedStores } from './factory.ts';
import { dropTestSchemas, postgresUrl, requirePostgres, testSchema } from '../testing/backends.ts';

const dir = mkdtempSync(join(tmpdir(), 'gh-spool-'));
after(async () => {
  await dropTestSchemas();
  rmSync(dir, { recursive: true, force: true });
});

interface Setup {
  proxy: TcpProxy;
  stores: OpenedStores;
  spool: SpoolingAuditLog;
  path: string;
  close(): Promise<void>;
}

let counter = 0;

async function setup(spoolOptions: { maxBytes?: number; retryMs?: number } = {}, path = join(dir, `spool-${++counter}.jsonl`), schema = testSchema()): Promise<Setup> {
  await requirePostgres();
  const target = new URL(postgresUrl);
  const proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
  const proxied = new URL(postgresUrl);
  proxied.hostname = '127.0.0.1';
  proxied.port = String(proxy.port);
  const config = loadConfig({
    NODE_ENV: 'test',
    SESSION_SECRET: 'spool-test-secret-0123456789-abcdefghijkl',
    DATABASE_URL: proxied.href,
    STORE_TIMEOUT_MS: '150',
    STORE_ACQUIRE_TIMEOUT_MS: '150',
    STORE_BREAKER_FAILURES: '1000',
  }, { envFile: false, cwd: dir });
  const stores = await openStores(config, { postgres: { schema } });
  const spool = await SpoolingAuditLog.open(stores.audit, { path, maxBytes: spoolOptions.maxBytes ?? 1 << 20, retryMs: spoolOptions.retryMs ?? 50 });
  return {
    proxy,
    stores,
    spool,
    path,
    async close() {
      proxy.restore();
      await spool.close();
      await stores.close();
      await proxy.close();
    },
  };
}

const event = (n: number, at = Date.now()): AuditEvent => ({ type: 'signin.succeeded', result: 'success', sub: `00u${n}`, email: `user${n}@example.test`, at, detail: { n } });

async function drained(spool: SpoolingAuditLog): Promise<void> {
  for (let i = 0; i < 400 && spool.status().pending > 0; i++) await new Promise((resolve) => setTimeout(resolve, 25));
  assert.equal(spool.status().pending, 0, 'the spool was not replayed');
}

describe('audit spool', () => {
  test('events recorded during an outage are all written afterwards, in order, once each, marked as delayed', async () => {
    const s = await setup();
    try {
      await s.spool.record(event(0));
      s.proxy.hold();
      for (let n = 1; n <= 5; n++) await s.spool.record(event(n));
      assert.equal(s.spool.status().pending, 5);
      assert.equal(readFileSync(s.path, 'utf8').trim().split('\n').length, 5, 'kept on disk, not in memory');
      s.proxy.restore();
      await s.spool.record(event(6));
      await drained(s.spool);
      const stored = (await s.spool.query({ limit: 100 })).reverse();
      assert.deepEqual(stored.map((e) => e.detail?.n), [0, 1, 2, 3, 4, 5, 6]);
      for (const e of stored.slice(1)) {
        assert.equal(typeof e.detail?.delayedSeconds, 'number');
        assert.equal(typeof e.detail?.spoolId, 'string');
      }
      assert.equal(stored[0]!.detail?.spoolId, undefined, 'written at once, not delayed');
      assert.equal(readFileSync(s.path, 'utf8'), '');
    } finally {
      await s.close();
    }
  });

  test('a crash after a replayed write and before the spool was rewritten does not double the event', async () => {
    const schema = testSchema();
    const path = join(dir, 'crashed.jsonl');
    // No replay of its own in this first run: the test plays the replay up to the crash.
    const first = await setup({ retryMs: 600_000 }, path, schema);
    const at = Date.now();
    try {
      first.proxy.hold();
      await first.spool.record(event(1, at));
      await first.spool.record(event(2, at + 1));
      // What a replay does, up to the crash: the first entry is written with its spool id...
      const [entry] = readFileSync(path, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { id: string; event: AuditEvent });
      first.proxy.restore();
      // The pool may still be reconnecting after the partition: retry until the write goes in.
      for (let attempt = 0; ; attempt++) {
        try {
          await first.stores.audit.record({ ...entry!.event, detail: { ...entry!.event.detail, spoolId: entry!.id, delayedSeconds: 0 } });
          break;
        } catch (error) {
          if (attempt > 40) throw error;
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      }
    } finally {
      // ...and the process dies before rewriting the spool (close() does not replay).
      await first.close();
    }
    const second = await setup({}, path, schema);
    try {
      await drained(second.spool);
      const stored = (await second.spool.query({ limit: 100 })).reverse();
      assert.deepEqual(stored.map((e) => e.detail?.n), [1, 2]);
    } finally {
      await second.close();
    }
  });

  test('a write that reached the server but whose answer was lost is not written twice', async () => {
    const s = await setup();
    try {
      s.proxy.holdReplies();
      await s.spool.record(event(1));
      assert.equal(s.spool.status().pending, 1, 'the outcome was unknown, so it was spooled');
      s.proxy.restore();
      await drained(s.spool);
      const stored = await s.spool.query({ limit: 100 });
      assert.equal(stored.length, 1);
      assert.equal(stored[0]!.detail?.spoolId, undefined, 'the original write is the one kept');
    } finally {
      await s.close();
    }
  });

  test('the spool is bounded: beyond maxBytes events are refused and counted as lost', async () => {
    const s = await setup({ maxBytes: 1024 });
    try {
      s.proxy.hold();
      let refused = 0;
      for (let n = 0; n < 10; n++) await s.spool.record(event(n)).catch(() => refused++);
      assert.ok(refused > 0);
      assert.equal(s.spool.status().lost, refused);
      assert.ok(s.spool.status().bytes <= 1024);
      s.proxy.restore();
      await drained(s.spool);
      assert.equal((await s.spool.query({ limit: 100 })).length, 10 - refused);
    } finally {
      await s.close();
    }
  });

  test('a spool file with a line cut short by a crash replays the complete lines', async () => {
    const path = join(dir, 'truncated.jsonl');
    const line = JSON.stringify({ id: 'a1', spooledAt: Date.now(), ambiguous: false, event: { ...event(1), at: Date.now() } });
    writeFileSync(path, `${line}\n{"id":"a2","spoo`);
    const s = await setup({}, path);
    try {
      await drained(s.spool);
      assert.deepEqual((await s.spool.query({ limit: 10 })).map((e) => e.detail?.n), [1]);
    } finally {
      await s.close();
    }
  });
});
