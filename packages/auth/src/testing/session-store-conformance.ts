/**
 * The one conformance suite every session store runs (memory, SQLite, Redis and PostgreSQL). It pins the behaviour the session manager and the login flow rely
 * on, through the public `SessionStore`/`TransactionStore`/`LeaseStore` ports only.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { AuthStore, LoginTransaction, SessionRecord } from '../types.ts';

type Store = AuthStore;

let sequence = 0;

/** A complete session record for store tests; times relative to `now` (default `Date.now()`). */
export function sampleSession(overrides: Partial<SessionRecord> = {}, now = Date.now()): SessionRecord {
  sequence++;
  return {
    id: `sess${String(sequence).padStart(6, '0')}${Math.random().toString(36).slice(2, 12)}`,
    secretHash: `hash-${sequence}`,
    user: { sub: '00u-alice', email: 'alice@gatehouse.test', name: 'Alice', groups: ['viewer'] },
    roles: ['viewer'],
    claims: { auth_time: Math.floor(now / 1000), amr: ['pwd'], preferred_username: 'alice@gatehouse.test' },
    tokens: 'v1.kid.iv.sealed',
    accessTokenExpiresAt: now + 3_600_000,
    createdAt: now,
    lastSeenAt: now,
    expiresAt: now + 3_600_000,
    absoluteExpiresAt: now + 43_200_000,
    userAgent: 'Chrome on Linux',
    ip: '203.0.113.0/24',
    ...overrides,
  };
}

/** A login transaction for store tests, with a state no other test uses; expires in 10 minutes. */
export function sampleTransaction(overrides: Partial<LoginTransaction> = {}): LoginTransaction {
  const now = Date.now();
  return {
    state: `state-${++sequence}-${Math.random().toString(36).slice(2)}`,
    codeVerifier: 'verifier-' + 'x'.repeat(43),
    nonce: `nonce-${sequence}`,
    returnTo: '/dashboards?range=7d#top',
    browserBinding: 'binding-hash',
    createdAt: now,
    expiresAt: now + 600_000,
    ...overrides,
  };
}

/**
 * Registers the suite (node:test `describe`/`it`) for one store implementation. `open` is called
 * before every test and must return an empty, isolated store (a fresh file, database schema or key
 * prefix); the suite closes it after the test.
 */
export function runSessionStoreConformance(name: string, open: () => Promise<Store>): void {
  describe(`session store conformance: ${name}`, () => {
    let store: Store;
    beforeEach(async () => {
      store = await open();
    });
    afterEach(async () => {
      await store.close();
    });

    it('returns exactly what was created, unicode included', async () => {
      const session = sampleSession({
        user: { sub: '00u-ünïcødé', email: 'zoë@gatehouse.test', name: 'Zoë 山田 🚀', groups: ['viewer', 'Ärzte', 'グループ'] },
        claims: { auth_time: 1_700_000_000, amr: ['pwd', 'mfa'], acr: 'urn:okta:loa:2fa:any', nested: { a: [1, 'two', null] } },
        userAgent: null,
        ip: null,
      });
      await store.create(session);
      assert.deepEqual(await store.get(session.id), session);
    });

    it('answers null for an absent id and treats absent ids as no-ops everywhere', async () => {
      assert.equal(await store.get('no-such-session'), null);
      await store.touch('no-such-session', Date.now(), Date.now() + 1000);
      await store.update(sampleSession({ id: 'no-such-session' }));
      await store.delete('no-such-session');
      assert.equal(await store.deleteByUser('00u-nobody'), 0);
      assert.equal(await store.get('no-such-session'), null, 'update must not create a session');
    });

    it('refuses a second session with the same id', async () => {
      const session = sampleSession();
      await store.create(session);
      await assert.rejects(store.create({ ...session, secretHash: 'other' }));
      assert.equal((await store.get(session.id))?.secretHash, session.secretHash);
    });

    it('does not share mutable state with callers', async () => {
      const session = sampleSession();
      await store.create(session);
      session.user.groups.push('admin');
      const stored = await store.get(session.id);
      assert.deepEqual(stored?.user.groups, ['viewer']);
      stored!.roles.push('admin');
      assert.deepEqual((await store.get(session.id))?.roles, ['viewer']);
    });

    it('touch moves lastSeenAt and expiresAt only', async () => {
      const session = sampleSession();
      await store.create(session);
      await store.touch(session.id, session.lastSeenAt + 90_000, session.expiresAt + 90_000);
      assert.deepEqual(await store.get(session.id), { ...session, lastSeenAt: session.lastSeenAt + 90_000, expiresAt: session.expiresAt + 90_000 });
    });

    it('update replaces user, roles, claims, tokens and access-token expiry, and nothing else', async () => {
      const session = sampleSession();
      await store.create(session);
      const refreshed: SessionRecord = {
        ...session,
        user: { ...session.user, name: 'Alice Smith', groups: [] },
        roles: [],
        claims: { auth_time: 1, amr: ['pwd'] },
        tokens: 'v1.kid.iv.new-sealed',
        accessTokenExpiresAt: session.accessTokenExpiresAt + 3_600_000,
        // Fields update must not write (a concurrent touch owns them):
        secretHash: 'attacker-chosen',
        lastSeenAt: 1,
        expiresAt: 2,
        createdAt: 3,
        absoluteExpiresAt: 4,
      };
      await store.update(refreshed);
      assert.deepEqual(await store.get(session.id), {
        ...session,
        user: refreshed.user,
        roles: [],
        claims: refreshed.claims,
        tokens: refreshed.tokens,
        accessTokenExpiresAt: refreshed.accessTokenExpiresAt,
      });
    });

    it('delete removes one session; deleteByUser removes all of one user and counts them', async () => {
      const alice = [sampleSession(), sampleSession(), sampleSession()];
      const bob = sampleSession({ user: { sub: '00u-bob', email: null, name: null, groups: [] } });
      for (const session of [...alice, bob]) await store.create(session);
      await store.delete(alice[0]!.id);
      assert.equal(await store.get(alice[0]!.id), null);
      assert.equal(await store.deleteByUser('00u-alice'), 2);
      assert.equal(await store.get(alice[1]!.id), null);
      assert.deepEqual(await store.get(bob.id), bob);
      assert.equal(await store.deleteByUser('00u-alice'), 0);
    });

    it('list returns unexpired sessions newest first, filtered by user and paged', async () => {
      const now = Date.now();
      const live = [0, 1, 2, 3].map((i) => sampleSession({ createdAt: now - 40_000 + i * 10_000 }, now));
      const other = sampleSession({ createdAt: now - 5_000, user: { sub: '00u-bob', email: null, name: null, groups: [] } }, now);
      const idleExpired = sampleSession({ createdAt: now - 1_000, expiresAt: now - 1 }, now);
      const absoluteExpired = sampleSession({ createdAt: now - 2_000, absoluteExpiresAt: now - 1 }, now);
      for (const session of [...live, other, idleExpired, absoluteExpired]) await store.create(session);

      assert.deepEqual((await store.list()).map((s) => s.id), [other.id, live[3]!.id, live[2]!.id, live[1]!.id, live[0]!.id]);
      assert.deepEqual((await store.list({ sub: '00u-alice' })).map((s) => s.id), [live[3]!.id, live[2]!.id, live[1]!.id, live[0]!.id]);
      assert.deepEqual((await store.list({ sub: '00u-alice', limit: 2, offset: 1 })).map((s) => s.id), [live[2]!.id, live[1]!.id]);
      assert.deepEqual(await store.list({ sub: '00u-nobody' }), []);
      assert.deepEqual((await store.list({ limit: 1 }))[0], other);
    });

    it('count and purgeExpired agree on idle and absolute expiry', async () => {
      const now = Date.now();
      const live = sampleSession({}, now);
      const idleExpired = sampleSession({ expiresAt: now - 1 }, now);
      const absoluteExpired = sampleSession({ absoluteExpiresAt: now }, now);
      for (const session of [live, idleExpired, absoluteExpired]) await store.create(session);
      assert.equal(await store.count(now), 1);
      assert.equal(await store.count(live.expiresAt), 0, 'expiry is inclusive: at expiresAt the session is gone');
      assert.equal(await store.purgeExpired(now), 2);
      assert.equal(await store.get(idleExpired.id), null);
      assert.equal(await store.get(absoluteExpired.id), null);
      assert.deepEqual(await store.get(live.id), live);
      assert.equal(await store.purgeExpired(now), 0);
    });

    it('login transactions are taken exactly once', async () => {
      const tx = sampleTransaction({ maxAge: 300, acrValues: 'urn:okta:loa:2fa:any' });
      await store.putTransaction(tx);
      assert.deepEqual(await store.takeTransaction(tx.state), tx);
      assert.equal(await store.takeTransaction(tx.state), null);
      assert.equal(await store.takeTransaction('never-stored'), null);
    });

    it('of concurrent takes of one transaction, exactly one wins', async () => {
      const tx = sampleTransaction();
      await store.putTransaction(tx);
      const results = await Promise.all(Array.from({ length: 8 }, () => store.takeTransaction(tx.state)));
      assert.equal(results.filter((result) => result !== null).length, 1);
      assert.deepEqual(results.find((result) => result !== null), tx);
    });

    it('several transactions in flight (tabs) are independent; expired ones are still returned for the caller to judge', async () => {
      const tabs = [sampleTransaction(), sampleTransaction({ returnTo: '/admin/users?q=zoë' }), sampleTransaction({ createdAt: 1, expiresAt: 2 })];
      for (const tx of tabs) await store.putTransaction(tx);
      for (const tx of [...tabs].reverse()) assert.deepEqual(await store.takeTransaction(tx.state), tx);
    });

    it('a lease is exclusive between two holders until its holder releases it', async () => {
      assert.equal(await store.acquireLease('refresh:a', 'instance-1', 60_000), true);
      assert.equal(await store.acquireLease('refresh:a', 'instance-2', 60_000), false, 'held by instance-1');
      assert.equal(await store.acquireLease('refresh:b', 'instance-2', 60_000), true, 'another key is another lease');
      await store.releaseLease('refresh:a', 'instance-1');
      assert.equal(await store.acquireLease('refresh:a', 'instance-2', 60_000), true, 'free once released');
      assert.equal(await store.acquireLease('refresh:a', 'instance-1', 60_000), false, 'now held by instance-2');
    });

    it('of concurrent acquisitions of one lease by different holders, exactly one wins', async () => {
      const results = await Promise.all(Array.from({ length: 8 }, (_, i) => store.acquireLease('refresh:race', `instance-${i}`, 60_000)));
      assert.equal(results.filter(Boolean).length, 1);
    });

    it('a lease is re-entrant for its holder, and re-acquiring extends it', async () => {
      assert.equal(await store.acquireLease('refresh:a', 'instance-1', 200), true);
      assert.equal(await store.acquireLease('refresh:a', 'instance-1', 60_000), true, 'the holder gets its own lease again');
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.equal(await store.acquireLease('refresh:a', 'instance-2', 60_000), false, 'the second acquisition moved the expiry past the first ttl');
    });

    it('a lease expires by itself after its ttl (a crashed holder never blocks the others)', async () => {
      assert.equal(await store.acquireLease('refresh:a', 'crashed', 200), true);
      assert.equal(await store.acquireLease('refresh:a', 'instance-2', 60_000), false);
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.equal(await store.acquireLease('refresh:a', 'instance-2', 60_000), true, 'free after 200 ms');
      assert.equal(await store.acquireLease('refresh:a', 'crashed', 60_000), false, 'the late holder does not get it back');
      assert.equal(await store.purgeExpired(), 0, 'purging removes no live lease');
      assert.equal(await store.acquireLease('refresh:a', 'crashed', 60_000), false, 'still held by instance-2 after a purge');
    });

    it('only the holder releases a lease; releasing what one does not hold is a no-op', async () => {
      await store.releaseLease('refresh:never', 'instance-1');
      assert.equal(await store.acquireLease('refresh:a', 'instance-1', 60_000), true);
      await store.releaseLease('refresh:a', 'instance-2');
      assert.equal(await store.acquireLease('refresh:a', 'instance-2', 60_000), false, 'still held by instance-1');
      await store.releaseLease('refresh:a', 'instance-1');
      assert.equal(await store.acquireLease('refresh:a', 'instance-2', 60_000), true);
    });

    it('refuses a lease ttl that is not a positive whole number of milliseconds', async () => {
      for (const ttl of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
        await assert.rejects(store.acquireLease('refresh:a', 'instance-1', ttl), RangeError, String(ttl));
      }
      assert.equal(await store.acquireLease('refresh:a', 'instance-2', 60_000), true, 'a refused call takes nothing');
    });

    it('pings while open and reports false once closed', async () => {
      assert.equal(await store.ping(), true);
      await store.close();
      assert.equal(await store.ping(), false);
      await store.close(); // closing twice is harmless (afterEach closes again)
    });
  });
}
