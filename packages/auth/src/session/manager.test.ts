import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, describe, it } from 'node:test';
import { parseConfig } from '../config/schema.ts';
import { base64urlDecode, sha256 } from '../crypto.ts';
import { MemorySessionStore } from '../stores/memory.ts';
import { SqliteSessionStore, sqlitePath } from '../stores/sqlite.ts';
import type { LeaseStore, SessionStore } from '../types.ts';
import { createSessionManager, type TokenBundle } from './manager.ts';

const SECRET = 'manager-test-secret-0123456789-abcdefghij';
const config = parseConfig({ NODE_ENV: 'test', SESSION_SECRET: SECRET, SESSION_IDLE_TIMEOUT: '3600', SESSION_ABSOLUTE_TIMEOUT: '43200' });
const dir = mkdtempSync(join(tmpdir(), 'gh-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;

const tokens: TokenBundle = { idToken: 'eyJhbGciOiJSUzI1NiJ9.id-token-payload.sig', accessToken: 'eyJ.access-token.sig', refreshToken: 'refresh-token-value' };
const input = (overrides: { sub?: string } = {}) => ({
  user: { sub: overrides.sub ?? '00u-alice', email: 'alice@gatehouse.test', name: 'Alice', groups: ['viewer'] },
  roles: ['viewer' as const],
  claims: { auth_time: 1_700_000_000, amr: ['pwd'] },
  tokens,
  accessTokenExpiresAt: 1_700_003_600_000,
  userAgent: 'Chrome on Linux',
  ip: '203.0.113.0/24',
});

/** A clock the test moves by hand (no sleeping, nothing timed). */
function clock(start = 1_700_000_000_000) {
  let current = start;
  return { now: () => current, advance: (ms: number) => void (current += ms) };
}

const stores: Array<[string, () => { store: SessionStore & LeaseStore; url?: string }]> = [
  ['MemorySessionStore', () => ({ store: new MemorySessionStore() })],
  ['SqliteSessionStore', () => {
    const url = `file:${join(dir, `manager-${++files}.db`)}`;
    return { store: SqliteSessionStore.open(url), url };
  }],
];

for (const [name, open] of stores) {
  describe(`SessionManager over ${name}`, () => {
    it('issues <id>.<secret> tokens with ≥ 96-bit ids and ≥ 160-bit secrets, a new one at every sign-in', async () => {
      const { store } = open();
      const sessions = await createSessionManager(config, store);
      const seen = new Set<string>();
      for (let i = 0; i < 50; i++) {
        const { token, session } = await sessions.create(input());
        const [id, secret, ...rest] = token.split('.');
        assert.equal(rest.length, 0);
        assert.ok(base64urlDecode(id!).length * 8 >= 96);
        assert.ok(base64urlDecode(secret!).length * 8 >= 160);
        assert.equal(session.id, id);
        assert.ok(!seen.has(id!) && !seen.has(secret!));
        seen.add(id!).add(secret!);
      }
      assert.equal(await store.count(), 50);
      await store.close();
    });

    it('stores only the SHA-256 of the secret and the tokens encrypted', async () => {
      const { store, url } = open();
      const sessions = await createSessionManager(config, store);
      const { token, session } = await sessions.create(input());
      const secret = token.split('.')[1]!;
      const stored = await store.get(session.id);
      assert.equal(stored?.secretHash, await sha256(secret));
      const everything = url ? JSON.stringify(new DatabaseSync(sqlitePath(url)).prepare('SELECT * FROM auth_sessions').all()) : JSON.stringify(stored);
      assert.ok(!everything.includes(secret), 'the secret itself is never stored');
      for (const value of Object.values(tokens)) assert.ok(!everything.includes(value!), 'OIDC tokens are stored encrypted');
      assert.deepEqual(await sessions.readTokens(stored!), tokens);
      await store.close();
    });

    it('validate returns the session for the right token and null for every bad one', async () => {
      const { store } = open();
      const sessions = await createSessionManager(config, store);
      const { token, session } = await sessions.create(input());
      const [id, secret] = token.split('.') as [string, string];
      assert.deepEqual(await sessions.validate(token), session);
      const flip = (text: string, at: number) => text.slice(0, at) + (text[at] === 'A' ? 'B' : 'A') + text.slice(at + 1);
      const bad: unknown[] = [
        null, undefined, '', '.', id, `${id}.`, `.${secret}`, `${id}.${flip(secret, 0)}`, `${id}.${flip(secret, secret.length - 1)}`,
        `${flip(id, 3)}.${secret}`, `${id}.${secret}.extra`, `${id}.${secret}x`, `${id}.${secret.slice(1)}`, `${id}.${secret}`.toUpperCase(),
        `${id}.${secret.slice(0, -1)}+`, ` ${token}`, `${token}\n`, 'x'.repeat(10_000), 42, { token },
      ];
      for (const candidate of bad) assert.equal(await sessions.validate(candidate as string), null, JSON.stringify(candidate)?.slice(0, 40));
      assert.deepEqual(await sessions.validate(token), session, 'bad tokens do not harm the real session');
      await store.close();
    });

    it('idle expiry: null and deleted once idle for the timeout', async () => {
      const { store } = open();
      const time = clock();
      const sessions = await createSessionManager(config, store, { now: time.now });
      const { token, session } = await sessions.create(input());
      time.advance(3600_000 - 1);
      assert.ok(await sessions.validate(token), 'still alive 1 ms before the idle timeout');
      time.advance(3600_000);
      assert.equal(await sessions.validate(token), null);
      assert.equal(await store.get(session.id), null, 'expired sessions are deleted');
      await store.close();
    });

    it('absolute expiry: null and deleted after the lifetime even when active', async () => {
      const { store } = open();
      const time = clock();
      const sessions = await createSessionManager(config, store, { now: time.now });
      const { token, session } = await sessions.create(input());
      for (let elapsed = 0; elapsed < 43_200_000 - 1800_000; elapsed += 1800_000) {
        time.advance(1800_000);
        assert.ok(await sessions.validate(token), `active at ${elapsed / 3600_000} h`);
      }
      const renewed = await store.get(session.id);
      assert.equal(renewed?.expiresAt, session.absoluteExpiresAt, 'sliding renewal never passes the absolute expiry');
      time.advance(1800_000);
      assert.equal(await sessions.validate(token), null);
      assert.equal(await store.get(session.id), null);
      await store.close();
    });

    it('slides the idle expiry, writing at most once per touch interval', async () => {
      const { store } = open();
      const time = clock();
      const sessions = await createSessionManager(config, store, { now: time.now });
      const { token, session } = await sessions.create(input());
      const interval = config.session.touchIntervalSeconds * 1000;
      time.advance(interval - 1);
      assert.equal((await sessions.validate(token))?.lastSeenAt, session.lastSeenAt);
      assert.equal((await store.get(session.id))?.lastSeenAt, session.lastSeenAt, 'no write inside the interval');
      time.advance(1);
      const touched = await sessions.validate(token);
      assert.equal(touched?.lastSeenAt, time.now());
      assert.equal(touched?.expiresAt, time.now() + 3600_000);
      assert.deepEqual(await store.get(session.id), touched, 'the store saw the touch');
      await store.close();
    });

    it('replaceTokens swaps tokens, user and roles; revoke and revokeUser end sessions', async () => {
      const { store } = open();
      const sessions = await createSessionManager(config, store);
      const { token, session } = await sessions.create(input());
      const refreshed = { idToken: 'new-id', accessToken: 'new-access', refreshToken: null };
      const updated = await sessions.replaceTokens(session, { tokens: refreshed, user: { ...session.user, groups: [] }, roles: [], claims: { auth_time: 1 }, accessTokenExpiresAt: 42 });
      assert.deepEqual(await sessions.readTokens(updated), refreshed);
      const validated = await sessions.validate(token);
      assert.deepEqual(validated?.roles, []);
      assert.equal(validated?.accessTokenExpiresAt, 42);

      const other = await sessions.create(input());
      const bob = await sessions.create(input({ sub: '00u-bob' }));
      await sessions.revoke(other.session.id);
      assert.equal(await sessions.validate(other.token), null);
      assert.equal(await sessions.revokeUser('00u-alice'), 1);
      assert.equal(await sessions.validate(token), null);
      assert.ok(await sessions.validate(bob.token));
      await store.close();
    });

    it('get reads by id without a token and answers null once expired; list and count go through the manager', async () => {
      const { store } = open();
      const time = clock(Date.now());
      const sessions = await createSessionManager(config, store, { now: time.now });
      const { session } = await sessions.create(input());
      await sessions.create(input({ sub: '00u-bob' }));
      assert.deepEqual(await sessions.get(session.id), session);
      assert.deepEqual((await sessions.list({ sub: '00u-alice' })).map((s) => s.id), [session.id]);
      assert.equal(await sessions.count(), 2);
      time.advance(3600_000);
      assert.equal(await sessions.get(session.id), null, 'idle-expired');
      assert.equal(await sessions.get('no-such-session'), null);
      await store.close();
    });

    it('refreshOnce reads the session again under its lease and refreshes only what still needs it', async () => {
      const { store } = open();
      const sessions = await createSessionManager(config, store);
      const { session } = await sessions.create(input());
      let refreshes = 0;
      const refresh = async (current: typeof session) => {
        refreshes++;
        return sessions.replaceTokens(current, { tokens: { ...tokens, accessToken: `access-${refreshes}` }, user: current.user, roles: current.roles, claims: current.claims, accessTokenExpiresAt: current.accessTokenExpiresAt + 1 });
      };
      const first = await sessions.refreshOnce(session, () => true, refresh);
      assert.equal(first.status, 'refreshed');
      // A caller that read the session before that refresh gets the stored tokens, not a second refresh.
      const second = await sessions.refreshOnce(session, () => true, refresh);
      assert.equal(second.status, 'current');
      assert.equal(second.status === 'current' && second.refreshedElsewhere, true);
      assert.equal(refreshes, 1);
      const notDue = await sessions.refreshOnce((await sessions.get(session.id))!, () => false, refresh);
      assert.equal(notDue.status, 'current');
      assert.equal(refreshes, 1);
      await sessions.revoke(session.id);
      assert.equal((await sessions.refreshOnce(session, () => true, refresh)).status, 'ended');
      await store.close();
    });

    it('reRole rewrites groups and roles under the lease; false for an unknown session', async () => {
      const { store } = open();
      const sessions = await createSessionManager(config, store);
      const { token, session } = await sessions.create(input());
      assert.equal(await sessions.reRole(session.id, { groups: ['admin'], roles: ['admin'] }), true);
      const validated = await sessions.validate(token);
      assert.deepEqual(validated?.roles, ['admin']);
      assert.deepEqual(validated?.user.groups, ['admin']);
      assert.equal(await sessions.reRole('no-such-session', { groups: [], roles: [] }), false);
      await store.close();
    });

    it('reads tokens sealed under a previous secret after rotation', async () => {
      const { store } = open();
      const before = await createSessionManager(config, store);
      const { session } = await before.create(input());
      const rotated = await createSessionManager(parseConfig({ NODE_ENV: 'test', SESSION_SECRET: `new-session-secret-0123456789-abcdefghijklm,${SECRET}` }), store);
      assert.deepEqual(await rotated.readTokens(session), tokens);
      const unrelated = await createSessionManager(parseConfig({ NODE_ENV: 'test', SESSION_SECRET: 'unrelated-session-secret-0123456789-abcdefghij' }), store);
      await assert.rejects(unrelated.readTokens(session));
      await store.close();
    });
  });
}
