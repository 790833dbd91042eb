import assert from 'node:assert/strict';
import { it } from 'node:test';
import { runAuditLogConformance } from '../testing/audit-log-conformance.ts';
import { runSessionStoreConformance, sampleSession } from '../testing/session-store-conformance.ts';
import { MemoryAuditLog, MemorySessionStore } from './memory.ts';
import { schedulePurge } from './purge.ts';

runSessionStoreConformance('MemorySessionStore', async () => new MemorySessionStore());
runAuditLogConformance('MemoryAuditLog', async () => new MemoryAuditLog());

it('schedulePurge removes expired sessions on its interval and stops when asked', async (t) => {
  t.mock.timers.enable({ apis: ['setInterval'] });
  const store = new MemorySessionStore();
  const now = Date.now();
  const expired = sampleSession({ expiresAt: now - 1 }, now);
  const live = sampleSession({}, now);
  await store.create(expired);
  await store.create(live);
  const stop = schedulePurge(store, { intervalMs: 60_000 });
  t.mock.timers.tick(60_000);
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(await store.get(expired.id), null, 'get returns expired rows until purged, so this proves the purge ran');
  assert.deepEqual(await store.get(live.id), live);
  stop();
  assert.throws(() => schedulePurge(store, { intervalMs: 10 }), RangeError);
});
