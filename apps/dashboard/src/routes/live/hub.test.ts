/**
 * The live hub's bounds, with small numbers so they show quickly: a reader that stops reading
 * holds at most one buffer of bytes (events are dropped for it, and it is told to reload when it
 * reads again); a reader stalled for too long is cut off; heartbeats flow to readers that read.
 * Over the real SQLite session store and the real in-process bus of the auth core.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createHarness, type Harness } from '../../testing/harness.ts';
import { createLiveHub, type LiveHub } from './hub.ts';
import { SseReader } from './sse-reader.ts';

const BUFFER = 512;
const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('live hub bounds', () => {
  let h: Harness;
  const hubs: LiveHub[] = [];
  before(async () => {
    h = await createHarness();
  });
  after(async () => {
    await Promise.all(hubs.map((hub) => hub.closeAll()));
    await h.close();
  });

  function newHub(stallMs: number): LiveHub {
    const hub = createLiveHub(h.deps.sessions, { maxStreams: 10, maxStreamsPerSession: 4, bufferBytes: BUFFER, coalesceMs: 0, heartbeatMs: 25, tickMs: 10, stallMs });
    hub.attach(h.auth);
    hubs.push(hub);
    return hub;
  }

  async function openFor(hub: LiveHub, kind: 'admin' | 'viewer') {
    const { session } = await h.signIn(kind);
    const opened = hub.open({ sessionId: session.id, sub: session.user.sub, roles: session.roles, expiresAt: session.expiresAt, absoluteExpiresAt: session.absoluteExpiresAt });
    assert.ok(opened.ok);
    return opened.body;
  }

  test('a reader that stops reading: memory stays within the buffer, events are dropped, then "reload"', async () => {
    // No stall limit within this test: it is about what is kept, not when the reader is cut off.
    const hub = newHub(600_000);
    const body = await openFor(hub, 'admin');
    for (let i = 0; i < 50; i++) {
      await h.auth.events.publish({ type: 'session.created', sub: `00u-burst-${i}`, sessionId: `s-${i}` });
      await tick(2);
    }
    const stats = hub.stats();
    assert.equal(stats.backedUp, 1, 'the stream is marked as behind');
    // One frame may cross the bound (it was accepted while there was room); no more.
    assert.ok(stats.bufferedBytes <= BUFFER + 128, `buffered ${stats.bufferedBytes} bytes for one stream`);

    const reader = new SseReader(new Response(body));
    const events = [];
    for (;;) {
      const message = await reader.next();
      assert.ok(message, 'the stream stays open');
      events.push(message.event);
      if (message.event === 'reload') {
        assert.deepEqual(JSON.parse(message.data), { why: 'missed' });
        break;
      }
    }
    assert.ok(events.length < 20, `only what fit in the buffer was kept (${events.length} events)`);
    await reader.close();
  });

  test('a reader stalled past the limit is cut off; a reader that reads gets heartbeats', async () => {
    const hub = newHub(250);
    const stalled = await openFor(hub, 'viewer');
    const reading = new SseReader(new Response(await openFor(hub, 'viewer')));
    const before = hub.stats().streams;
    for (let i = 0; i < 20; i++) {
      await h.auth.events.publish({ type: 'session.created', sub: `00u-stall-${i}`, sessionId: `t-${i}` });
      await tick(2);
    }
    const drained = await reading.drain(600);
    assert.ok(reading.comments > 0, 'heartbeats reach a reader that reads');
    assert.ok(drained.some((m) => m.event === 'activity'));
    assert.equal(hub.stats().streams, before - 1, 'the stalled stream was dropped');
    await assert.rejects(stalled.getReader().read(), /reader stalled/);
    await reading.close();
  });
});
