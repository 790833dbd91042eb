/**
 * The validated-session cache inside the manager, over the in-memory store and the in-process bus
 * (the cross-instance guarantee is tested on real Redis and PostgreSQL in
 * apps/dashboard/src/session-cache.test.ts). Clocks are moved by hand; nothing is timed.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseConfig } from '../config/schema.ts';
import { createLocalBus } from '../events/bus.ts';
import { MemorySessionStore } from '../stores/memory.ts';
import { createSessionManager } from './manager.ts';

const config = parseConfig({ NODE_ENV: 'test', SESSION_SECRET: 'cache-test-secret-0123456789-abcdefghijk', SESSION_IDLE_TIMEOUT: '3600', SESSION_ABSOLUTE_TIMEOUT: '43200' });
const input = (sub = '00u-alice') => ({
  user: { sub, email: 'alice@gatehouse.test', name: 'Alice', groups: ['viewer'] },
  roles: ['viewer' as const],
  claims: { auth_time: 1_700_000_000 },
  tokens: { idToken: 'id', accessToken: 'access', refreshToken: null },
  accessTokenExpiresAt: 1_700_003_600_000,
  userAgent: null,
  ip: null,
});

function clocks() {
  let wall = 1_700_000_000_000;
  let mono = 0;
  return { now: () => wall, clock: () => mono, advanceWall: (ms: number) => void (wall += ms), advanceMono: (ms: number) => void (mono += ms) };
}

async function setUp() {
  const time = clocks();
  const store = new MemorySessionStore();
  const events = createLocalBus({ now: time.now });
  const sessions = await createSessionManager(config, store, { now: time.now, events, cache: { maxAgeMs: 2000, clock: time.clock } });
  return { time, store, events, sessions };
}

describe('validated-session cache', () => {
  it('serves a validated session without a store read for at most its max age', async () => {
    const { time, store, sessions } = await setUp();
    const { token, session } = await sessions.create(input());
    assert.ok(await sessions.validate(token));
    // Removed behind the manager's back (no event): only the cache can still answer.
    await store.delete(session.id);
    assert.equal((await sessions.validate(token))?.id, session.id, 'from the cache');
    time.advanceMono(2000);
    assert.equal(await sessions.validate(token), null, 'past the max age the store decides');
  });

  it('checks the secret on a cache hit: a wrong secret for a cached id is refused', async () => {
    const { sessions } = await setUp();
    const { token } = await sessions.create(input());
    assert.ok(await sessions.validate(token));
    const [id, secret] = token.split('.') as [string, string];
    const wrong = `${id}.${secret.slice(0, -1)}${secret.endsWith('A') ? 'B' : 'A'}`;
    assert.equal(await sessions.validate(wrong), null);
  });

  it('never serves a cached session past its idle expiry (expiry is checked on every request)', async () => {
    const { time, sessions } = await setUp();
    const { token } = await sessions.create(input());
    assert.ok(await sessions.validate(token, { touch: false }));
    time.advanceWall(3600 * 1000);
    assert.equal(await sessions.validate(token, { touch: false }), null);
  });

  it('moves the sliding expiry from a store read, throttled as without the cache', async () => {
    const { time, store, sessions } = await setUp();
    const { token, session } = await sessions.create(input());
    const touchMs = config.session.touchIntervalSeconds * 1000;
    time.advanceWall(touchMs - 1);
    assert.equal((await sessions.validate(token))?.lastSeenAt, session.lastSeenAt, 'not due: nothing written');
    assert.equal((await store.get(session.id))?.lastSeenAt, session.lastSeenAt);
    time.advanceWall(1);
    const touched = await sessions.validate(token);
    assert.equal(touched?.lastSeenAt, session.lastSeenAt + touchMs, 'due: written, even though the session was cached');
    assert.equal((await store.get(session.id))?.lastSeenAt, session.lastSeenAt + touchMs);
  });

  it('drops a session the bus says ended, and every session of a user whose sessions ended or were re-roled', async () => {
    const { store, events, sessions } = await setUp();
    const one = await sessions.create(input('00u-one'));
    const two = await sessions.create(input('00u-two'));
    for (const { token } of [one, two]) assert.ok(await sessions.validate(token));
    // Another instance changed the store and said so on the bus.
    await store.delete(one.session.id);
    await events.publish({ type: 'session.ended', sub: '00u-one', sessionIds: [one.session.id], reason: 'revoked_by_admin' });
    assert.equal(await sessions.validate(one.token), null);
    await store.update({ ...two.session, roles: [] });
    await events.publish({ type: 'roles.changed', sub: '00u-two', roles: [] });
    assert.deepEqual((await sessions.validate(two.token))?.roles, []);
  });

  it('is off with cache: false (every validation reads the store)', async () => {
    const store = new MemorySessionStore();
    const sessions = await createSessionManager(config, store, { cache: false });
    const { token, session } = await sessions.create(input());
    assert.ok(await sessions.validate(token));
    await store.delete(session.id);
    assert.equal(await sessions.validate(token), null);
  });
});
