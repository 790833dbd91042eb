// The sign-in limits' counters: bounded pending logins (oldest evicted first) and fixed-window
// counts, in process and shared by instances through Redis.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MemoryLimitCounters, RedisLimitCounters } from './counters.ts';
import { rawRedis, requireRedis } from '../testing/backends.ts';

describe('limit counters', () => {
  const limits = { perClient: 3, total: 5, ttlMs: 600_000 };

  test('in memory: pending logins bounded per client and in total, oldest evicted first, expired ones dropped', async () => {
    const counters = new MemoryLimitCounters();
    const evicted: string[] = [];
    for (let i = 0; i < 5; i++) evicted.push(...(await counters.addPending('a', `a${i}`, 1000 + i, limits)).map((login) => login.state));
    assert.deepEqual(evicted, ['a0', 'a1']);
    for (let i = 0; i < 3; i++) evicted.push(...(await counters.addPending('b', `b${i}`, 2000 + i, limits)).map((login) => login.state));
    assert.deepEqual(evicted, ['a0', 'a1', 'a2']);
    assert.equal(await counters.pendingCount(), 5);
    assert.equal(await counters.takePending('b1'), true);
    assert.equal(await counters.takePending('b1'), false);
    const late = await counters.addPending('c', 'c0', 1000 + limits.ttlMs + 10, limits);
    assert.deepEqual(late.map((login) => [login.state, login.why]), [['a3', 'expired'], ['a4', 'expired']]);
  });

  test('in Redis: two instances share the counts and the pending logins', async () => {
    const prefix = `gatehouse-test:limits:${process.pid}:${Date.now()}:`;
    await requireRedis();
    const [one, two] = await Promise.all([rawRedis(), rawRedis()]);
    try {
      const a = new RedisLimitCounters(one, prefix);
      const b = new RedisLimitCounters(two, prefix);
      await a.hit('failed:x', 60_000, 5_000);
      await b.hit('failed:x', 60_000, 6_000);
      assert.equal((await a.peek('failed:x', 60_000, 7_000)).count, 2);
      assert.equal((await a.peek('failed:x', 60_000, 61_000)).count, 0, 'a new window');
      const evicted: string[] = [];
      for (let i = 0; i < 4; i++) evicted.push(...(await (i % 2 ? a : b).addPending('client', `s${i}`, 10_000 + i, limits)).map((login) => login.state));
      assert.deepEqual(evicted, ['s0']);
      assert.equal(await b.takePending('s2'), true);
      assert.equal(await a.takePending('s2'), false);
      assert.equal(await a.pendingCount('client'), 2);
    } finally {
      const keys = await one.keys(`${prefix}*`).catch((): string[] => []);
      if (keys.length) await one.del(...keys);
      one.disconnect();
      two.disconnect();
    }
  });
});
