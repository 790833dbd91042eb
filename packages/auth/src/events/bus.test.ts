/**
 * The in-process session-event bus and its contract for transports: local listeners see each
 * event once, at publish time; an event coming back from the transport with our own origin is
 * not delivered again; duplicates and malformed messages are dropped.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createLocalBus, parseSessionEvent, type BusTransport, type SessionEvent } from './bus.ts';

/** Two buses joined by an in-memory "wire", the shape a Redis or PostgreSQL transport has. */
function wire(): { transport: () => BusTransport; sent: string[] } {
  const receivers: Array<(message: string) => void> = [];
  const sent: string[] = [];
  return {
    sent,
    transport: () => ({
      async send(message) {
        sent.push(message);
        for (const receive of receivers) receive(message);
      },
      async start(onMessage) {
        receivers.push(onMessage);
      },
      healthy: () => true,
      async close() {},
    }),
  };
}

describe('session-event bus', () => {
  test('publish delivers to local listeners before it resolves, with id, time and origin', async () => {
    const bus = createLocalBus({ now: () => 1234 });
    const seen: SessionEvent[] = [];
    bus.subscribe((event) => seen.push(event));
    const pending = bus.publish({ type: 'user.sessions.ended', sub: '00u1', reason: 'user_deactivated' });
    assert.equal(seen.length, 1, 'delivered synchronously');
    const event = await pending;
    assert.equal(event.at, 1234);
    assert.equal(event.origin, bus.instanceId);
    assert.equal(seen[0]?.id, event.id);
  });

  test('across a transport: the other instance sees it once; the publisher does not see its own echo', async () => {
    const net = wire();
    const a = createLocalBus({ transport: net.transport() });
    const b = createLocalBus({ transport: net.transport() });
    await a.start();
    await b.start();
    const atA: SessionEvent[] = [];
    const atB: SessionEvent[] = [];
    a.subscribe((event) => atA.push(event));
    b.subscribe((event) => atB.push(event));
    await a.publish({ type: 'roles.changed', sub: '00u2', roles: ['viewer'] });
    assert.equal(atA.length, 1);
    assert.equal(atB.length, 1);
    const received = atB[0];
    assert.ok(received?.type === 'roles.changed');
    assert.deepEqual(received.roles, ['viewer']);
    // At-least-once transports may redeliver: the same id is dropped.
    for (const message of [...net.sent]) await net.transport().send(message);
    assert.equal(atB.length, 1);
  });

  test('malformed messages are ignored; a throwing listener does not stop the others', async () => {
    assert.equal(parseSessionEvent('not json'), null);
    assert.equal(parseSessionEvent(JSON.stringify({ type: 'session.ended', id: 'x', at: 1, origin: 'o' })), null, 'no sub');
    assert.equal(parseSessionEvent(JSON.stringify({ type: 'grant.admin', sub: 's', id: 'x', at: 1, origin: 'o' })), null, 'unknown type');
    const errors: unknown[] = [];
    const bus = createLocalBus({ onListenerError: (err) => errors.push(err) });
    let reached = false;
    bus.subscribe(() => {
      throw new Error('boom');
    });
    bus.subscribe(() => {
      reached = true;
    });
    await bus.publish({ type: 'session.created', sub: '00u3', sessionId: 's1' });
    assert.ok(reached);
    assert.equal(errors.length, 1);
  });
});
