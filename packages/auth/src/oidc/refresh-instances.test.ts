/// <reference path="../../../okta-emulator/src/provider/oidc-provider.d.ts" />
/**
 * Refresh across instances: two `createAuth` instances (each with its own in-process single
 * flight) over ONE shared store — a SQLite file opened twice, one PostgreSQL schema, one Redis key
 * prefix — against the real emulator over HTTP. The store lease `refresh:<sessionId>` must make a
 * refresh happen once per session across both, and the instance that did not refresh must use the
 * tokens the other one stored.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_USERS, startEmulator, type Emulator } from '@gatehouse/okta-emulator';
import { completeSignIn, CookieJar } from '@gatehouse/okta-emulator/testing';
import { createAuth, type Auth } from '../auth.ts';
import { MemoryAuditLog } from '../stores/memory.ts';
import { PostgresSessionStore } from '../stores/postgres.ts';
import { RedisSessionStore } from '../stores/redis.ts';
import { SqliteSessionStore } from '../stores/sqlite.ts';
import { deleteTestKeys, dropTestSchemas, postgresUrl, redisUrl, requirePostgres, requireRedis, testKeyPrefix, testSchema } from '../testing/backends.ts';
import { LONG_SESSIONS, testConfig, tokenCountingFetch } from '../testing/auth.ts';
import { appRequest, beginLogin, finishLogin } from '../testing/flow.ts';
import type { AuthStore, SessionRecord } from '../types.ts';
import { REFRESH_LEASE_TTL_MS } from './refresh.ts';

type Store = AuthStore;

let emulator: Emulator;
let dir: string;
before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gh-'));
  emulator = await startEmulator({ port: 0, dataDir: join(dir, 'emulator') });
});
after(async () => {
  await emulator.close();
  await dropTestSchemas();
  await deleteTestKeys();
  rmSync(dir, { recursive: true, force: true });
});

let files = 0;
/** Two stores over one backend, as two replicas would open them. */
const backends: Array<[string, () => Promise<[Store, Store]>]> = [
  ['SQLite (one file opened twice)', async () => {
    const url = `file:${join(dir, `shared-${++files}.db`)}`;
    return [SqliteSessionStore.open(url), SqliteSessionStore.open(url)];
  }],
  ['PostgreSQL (one schema, two pools)', async () => {
    await requirePostgres();
    const schema = testSchema();
    return Promise.all([PostgresSessionStore.open(postgresUrl, { schema }), PostgresSessionStore.open(postgresUrl, { schema })]);
  }],
  ['Redis (one key prefix, two connections)', async () => {
    await requireRedis();
    const keyPrefix = testKeyPrefix();
    return Promise.all([RedisSessionStore.open(redisUrl, { keyPrefix }), RedisSessionStore.open(redisUrl, { keyPrefix })]);
  }],
];

interface Replicas {
  a: Auth;
  b: Auth;
  stores: [Store, Store];
  audits: [MemoryAuditLog, MemoryAuditLog];
  /** Token endpoint requests of both instances, by grant type. */
  tokenRequests: Record<string, number>;
  /** Milliseconds added to both instances' clocks (to make tokens due for refresh). */
  clock: { offset: number };
  /** While set, both instances' token requests wait for it (to hold a refresh in flight). */
  gate: { open: Promise<void> | null };
  close(): Promise<void>;
}

/** Two auth instances with one configuration, each over its own store connection to one backend. */
async function replicas(open: () => Promise<[Store, Store]>): Promise<Replicas> {
  const config = testConfig(emulator.issuer, { OKTA_CLIENT_ID: DEMO_CLIENT_ID, OKTA_CLIENT_SECRET: DEMO_CLIENT_SECRET, ...LONG_SESSIONS });
  const tokenRequests: Record<string, number> = {};
  const gate: Replicas['gate'] = { open: null };
  // One counting fetch shared by both instances: it sees every token request either one makes.
  const countingFetch = tokenCountingFetch(tokenRequests, () => gate.open);
  const clock = { offset: 0 };
  const now = () => Date.now() + clock.offset;
  const stores = await open();
  const audits: [MemoryAuditLog, MemoryAuditLog] = [new MemoryAuditLog(), new MemoryAuditLog()];
  const a = await createAuth(config, { sessions: stores[0], audit: audits[0], fetch: countingFetch, now });
  const b = await createAuth(config, { sessions: stores[1], audit: audits[1], fetch: countingFetch, now });
  return { a, b, stores, audits, tokenRequests, clock, gate, close: async () => void (await Promise.all(stores.map((store) => store.close()))) };
}

/** Signs the admin in through instance `auth`; returns the browser's jar and the stored session. */
async function signIn(auth: Auth, store: Store): Promise<{ jar: CookieJar; session: SessionRecord }> {
  const jar = new CookieJar();
  const authorizationUrl = await beginLogin(auth, jar);
  const done = await completeSignIn(authorizationUrl, { username: DEMO_USERS.admin.login, password: DEMO_USERS.admin.password });
  assert.equal((await finishLogin(auth, jar, done.callbackUrl.href)).status, 302);
  const [session] = await store.list();
  assert.ok(session, 'signed in');
  return { jar, session };
}

/** How many `type` events both instances audited. */
async function audited(audits: Replicas['audits'], type: 'refresh.succeeded' | 'refresh.failed'): Promise<number> {
  return (await Promise.all(audits.map((audit) => audit.query({ type })))).flat().length;
}

/** Asserts both instances now read new tokens for `old`'s session, and authenticate with them. */
async function bothSeeNewTokens(r: Replicas, old: SessionRecord, jar: CookieJar): Promise<void> {
  const oldAccessToken = (await r.a.sessions.readTokens(old)).accessToken;
  for (const [auth, store] of [[r.a, r.stores[0]], [r.b, r.stores[1]]] as const) {
    const stored = await store.get(old.id);
    // Not "a later expiry": the IdP's whole-second expires_in may put a refresh made within a
    // second of sign-in a little earlier than the first token's expiry.
    assert.ok(stored && stored.tokens !== old.tokens, 'new tokens stored');
    const tokens = await auth.sessions.readTokens(stored);
    assert.notEqual(tokens.accessToken, oldAccessToken, 'a new access token');
    assert.ok(tokens.refreshToken, 'a refresh token is kept');
    const state = await auth.authenticate(appRequest(auth, '/dashboards', jar));
    assert.equal(state.isAuthenticated, true);
    assert.deepEqual(state.roles, ['admin']);
  }
}

for (const [name, open] of backends) {
  describe(`refresh across two instances on ${name}`, () => {
    test('10 concurrent forced refreshes split over both instances → exactly one token request', async () => {
      const r = await replicas(open);
      try {
        const { jar, session } = await signIn(r.a, r.stores[0]);
        assert.deepEqual(await r.stores[1].get(session.id), session, 'instance b sees the session instance a created');
        const results = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? r.b : r.a).ensureFreshTokens(session, { force: true })));
        assert.equal(r.tokenRequests['refresh_token'], 1);
        assert.ok(results.every((result) => result !== null && result.tokens === results[0]?.tokens), 'every caller got the one stored refresh');
        assert.equal(await audited(r.audits, 'refresh.succeeded'), 1);
        assert.equal(await audited(r.audits, 'refresh.failed'), 0);
        await bothSeeNewTokens(r, session, jar);
        assert.equal(r.tokenRequests['refresh_token'], 1, 'fresh tokens are not refreshed again');
      } finally {
        await r.close();
      }
    });

    test('10 concurrent requests with a due access token over both instances → exactly one token request', async () => {
      const r = await replicas(open);
      try {
        const { jar, session } = await signIn(r.a, r.stores[0]);
        // 30 s before expiry: inside the 60 s refresh margin, on both instances' clocks.
        r.clock.offset = session.accessTokenExpiresAt - Date.now() - 30_000;
        const states = await Promise.all(Array.from({ length: 10 }, (_, i) => {
          const auth = i % 2 ? r.b : r.a;
          return auth.authenticate(appRequest(auth, '/dashboards', jar));
        }));
        assert.ok(states.every((state) => state.isAuthenticated && state.roles.includes('admin')));
        assert.equal(r.tokenRequests['refresh_token'], 1);
        await bothSeeNewTokens(r, session, jar);
      } finally {
        await r.close();
      }
    });
  });
}

describe('waiting for another instance’s refresh (SQLite file opened twice)', () => {
  const [, openSqlitePair] = backends[0]!;

  test('an instance waits while the other’s token request is in flight, then uses the tokens it stored', async () => {
    const r = await replicas(openSqlitePair);
    try {
      const { jar, session } = await signIn(r.a, r.stores[0]);
      let release!: () => void;
      r.gate.open = new Promise((resolve) => (release = resolve));
      const first = r.a.ensureFreshTokens(session, { force: true });
      // Let instance a take the lease and send its token request, held at the gate.
      while (r.tokenRequests['refresh_token'] !== 1) await new Promise((resolve) => setTimeout(resolve, 10));
      let waiting = true;
      const second = r.b.ensureFreshTokens(session, { force: true }).finally(() => (waiting = false));
      await new Promise((resolve) => setTimeout(resolve, 350));
      assert.equal(waiting, true, 'instance b waits for instance a rather than refreshing');
      release();
      const [fromA, fromB] = await Promise.all([first, second]);
      assert.equal(r.tokenRequests['refresh_token'], 1);
      assert.ok(fromA && fromB);
      assert.equal(fromB.tokens, fromA.tokens, 'instance b uses the tokens instance a stored');
      await bothSeeNewTokens(r, session, jar);
    } finally {
      await r.close();
    }
  });

  test('a session ended by the lease holder while waiting → null, without a token request', async () => {
    const r = await replicas(openSqlitePair);
    try {
      const { jar, session } = await signIn(r.a, r.stores[0]);
      // Another instance is mid-refresh (holds the lease), then ends the session (invalid_grant).
      assert.equal(await r.stores[1].acquireLease(`refresh:${session.id}`, 'other-instance', 60_000), true);
      const waiting = r.a.ensureFreshTokens(session, { force: true });
      await new Promise((resolve) => setTimeout(resolve, 250));
      await r.stores[1].delete(session.id);
      assert.equal(await waiting, null);
      assert.equal(r.tokenRequests['refresh_token'], undefined);
      assert.equal((await r.a.authenticate(appRequest(r.a, '/', jar))).isAuthenticated, false);
    } finally {
      await r.close();
    }
  });

  test('a crashed holder’s lease expires by itself and the waiting instance refreshes', async () => {
    const r = await replicas(openSqlitePair);
    try {
      const { jar, session } = await signIn(r.a, r.stores[0]);
      // Taken and never released: the instance died mid-refresh. 300 ms stands in for the real ttl.
      assert.equal(await r.stores[1].acquireLease(`refresh:${session.id}`, 'crashed-instance', 300), true);
      const refreshed = await r.a.ensureFreshTokens(session, { force: true });
      assert.ok(refreshed);
      assert.equal(r.tokenRequests['refresh_token'], 1);
      await bothSeeNewTokens(r, session, jar);
      assert.equal(await r.stores[1].acquireLease(`refresh:${session.id}`, 'other-instance', 60_000), true, 'the taker released the lease');
    } finally {
      await r.close();
    }
  });

  test('a holder stuck past the lease ttl: the request gives up and goes on with its tokens; the session stays', async (t) => {
    const r = await replicas(openSqlitePair);
    try {
      const { jar, session } = await signIn(r.a, r.stores[0]);
      // Held (and renewed) by an instance that never finishes; only the waiting is timed, on mock timers.
      assert.equal(await r.stores[1].acquireLease(`refresh:${session.id}`, 'stuck-instance', 10 * REFRESH_LEASE_TTL_MS), true);
      t.mock.timers.enable({ apis: ['setTimeout'] });
      let settled = false;
      const waiting = r.a.ensureFreshTokens(session, { force: true }).finally(() => (settled = true));
      let waitedMs = 0;
      for (; !settled && waitedMs <= 2 * REFRESH_LEASE_TTL_MS; waitedMs += 100) {
        await new Promise((resolve) => setImmediate(resolve));
        t.mock.timers.tick(100);
      }
      t.mock.timers.reset();
      const result = await waiting;
      assert.ok(waitedMs >= REFRESH_LEASE_TTL_MS, `gave up after ${waitedMs} ms, not before the lease ttl`);
      assert.equal(result?.tokens, session.tokens, 'the request goes on with the tokens it had');
      assert.equal(r.tokenRequests['refresh_token'], undefined);
      assert.deepEqual((await r.audits[0].query({ type: 'refresh.failed' })).map((event) => event.reason), ['refresh_in_progress_elsewhere']);
      assert.ok(await r.stores[0].get(session.id), 'the session is not ended');
      assert.equal((await r.a.authenticate(appRequest(r.a, '/', jar))).isAuthenticated, true);
    } finally {
      await r.close();
    }
  });
});
