// The sign-in limits: an office behind one address signs in; abusive traffic (failed callbacks,
// abandoned logins, bad bearer tokens) is limited per client, and stored transactions stay bounded.
import assert from 'node:assert/strict';
import { DatabaseSync } from 'node:sqlite';
import { after, before, describe, test } from 'node:test';
import { DEMO_USERS } from '@gatehouse/okta-emulator';
import { CookieJar, completeSignIn } from '@gatehouse/okta-emulator/testing';
import { createHarness, type Harness } from '../testing/harness.ts';
import pino from 'pino';
import { Writable } from 'node:stream';
import type { LimitCounters } from '@gatehouse/auth/stores/counters';
import { clientKey, failOpen } from './rate-limit.tsx';

const from = (address: string, cookie?: string) => ({ headers: { 'X-Forwarded-For': address }, ...(cookie ? { cookie } : {}) });

/** Login transactions in the harness's SQLite store. */
function storedTransactions(h: Harness): number {
  const db = new DatabaseSync(h.config.databaseUrl.replace(/^file:/, ''), { readOnly: true });
  try {
    return Number((db.prepare('SELECT COUNT(*) AS n FROM auth_login_transactions').get() as { n: number }).n);
  } finally {
    db.close();
  }
}

describe('sign-in limits (app + emulator)', () => {
  let h: Harness;
  before(async () => {
    h = await createHarness({ emulator: true, env: { TRUST_PROXY_HOPS: '1' } });
  });
  after(() => h.close());

  /** One complete sign-in from `address`: /auth/login → the emulator (single sign-on with `idp`) → /auth/callback. */
  async function signIn(address: string, idp: CookieJar): Promise<Response> {
    const login = await h.request('/auth/login?returnTo=%2Fprofile', from(address));
    assert.equal(login.status, 302, `login ${login.status}`);
    const binding = login.headers.getSetCookie().map((line) => line.split(';')[0]).join('; ');
    const { callbackUrl } = await completeSignIn(login.headers.get('location')!, { username: DEMO_USERS.viewer.login, password: DEMO_USERS.viewer.password, jar: idp });
    return h.request(`${callbackUrl.pathname}${callbackUrl.search}`, from(address, binding));
  }

  test('a burst of 300 complete sign-ins from one address within a minute succeeds (an office behind one NAT)', async () => {
    // Regression: a per-IP limit of 30 /auth/* requests a minute turned the office away after 15.
    const idp = new CookieJar();
    assert.equal((await signIn('198.51.100.20', idp)).status, 302);
    const statuses: number[] = [];
    for (let batch = 0; batch < 30; batch++) {
      statuses.push(...(await Promise.all(Array.from({ length: 10 }, async () => (await signIn('198.51.100.20', idp)).status))));
    }
    assert.equal(statuses.length, 300);
    assert.deepEqual(statuses.filter((status) => status !== 302), [], 'every callback with a valid login transaction signs in');
  });

  test('10,000 GET /auth/login from one address leave a bounded number of stored transactions and cost the others nothing', async () => {
    const before = storedTransactions(h);
    const statuses = new Map<number, number>();
    for (let i = 0; i < 10_000; i++) {
      // A trailing slash reaches the same route: it is counted the same.
      const { status } = await h.request(i % 2 ? '/auth/login' : '/auth/login/', from('203.0.113.66'));
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
    }
    const { pendingLoginsPerClient, abandonedLoginsPer10Min } = h.config.rateLimit;
    assert.ok(storedTransactions(h) - before <= pendingLoginsPerClient, `${storedTransactions(h) - before} stored`);
    // Once it has abandoned enough logins, the script is refused before anything is stored.
    assert.equal(statuses.get(302), pendingLoginsPerClient + abandonedLoginsPer10Min);
    assert.equal(statuses.get(429), 10_000 - pendingLoginsPerClient - abandonedLoginsPer10Min);
    const limited = await h.request('/auth/login', from('203.0.113.66'));
    assert.ok(Number(limited.headers.get('retry-after')) >= 1);
    assert.match(await limited.text(), /Too many sign-in attempts/);
    // Someone else signs in as usual.
    assert.equal((await signIn('203.0.113.67', new CookieJar())).status, 302);
  });

  test('failed callbacks are limited per client, but a callback with a valid login transaction is never turned away', async () => {
    const limit = h.config.rateLimit.authPerMinute;
    for (let i = 0; i < limit; i++) assert.equal((await h.request(`/auth/callback?code=x&state=forged-${i}`, from('192.0.2.10'))).status, 400);
    const limited = await h.request('/auth/callback?code=x&state=forged', from('192.0.2.10'));
    assert.equal(limited.status, 429);
    assert.ok(Number(limited.headers.get('retry-after')) >= 1);
    const [refusal] = await h.deps.audit.query({ type: 'access.denied', limit: 1 });
    assert.deepEqual([refusal?.reason, refusal?.ip, refusal?.detail?.limit], ['rate_limited', '192.0.2.0/24', 'callback']);
    // The same network, a real sign-in: not limited.
    assert.equal((await signIn('192.0.2.10', new CookieJar())).status, 302);
    // Another client is not affected.
    assert.equal((await h.request('/auth/callback?code=x&state=forged', from('192.0.2.11'))).status, 400);
  });

  test('IPv6 clients are counted by /64 and ports in X-Forwarded-For are ignored', async () => {
    const limit = h.config.rateLimit.authPerMinute;
    for (let i = 0; i < limit; i++) {
      // Every address of one /64, with and without a port: one client.
      const address = i % 2 === 0 ? `2001:db8:aa:bb::${(i + 1).toString(16)}` : `[2001:db8:aa:bb:${i.toString(16)}::1]:${40000 + i}`;
      await h.request(`/auth/callback?state=forged-${i}`, from(address));
    }
    assert.equal((await h.request('/auth/callback?state=x', from('2001:db8:aa:bb:ffff:ffff:ffff:ffff'))).status, 429);
    assert.equal((await h.request('/auth/callback?state=x', from('2001:db8:aa:bc::1'))).status, 400, 'the next /64 is someone else');
    for (let i = 0; i < limit; i++) await h.request(`/auth/callback?state=forged-${i}`, from(`198.51.100.99:${1024 + i}`));
    assert.equal((await h.request('/auth/callback?state=x', from('198.51.100.99'))).status, 429, 'a port is not a new client');
  });

  test('bad bearer tokens are limited like failed callbacks; refusals are audited once per client and minute', async () => {
    const limit = h.config.rateLimit.authPerMinute;
    const bad = (address: string) => h.request('/api/me', { headers: { 'X-Forwarded-For': address, authorization: 'Bearer not.a.token' } });
    for (let i = 0; i < limit; i++) assert.equal((await bad('198.18.0.50')).status, 401);
    const rows = (await h.deps.audit.query({ type: 'access.denied', limit: 1000 })).length;
    const limited = await bad('198.18.0.50');
    assert.equal(limited.status, 429);
    assert.equal(((await limited.json()) as { error: { code: string } }).error.code, 'RATE_LIMITED');
    for (let i = 0; i < 50; i++) assert.equal((await bad('198.18.0.50')).status, 429);
    // One audit row says the client was refused; the 50 refusals after it are folded into its count.
    const after = await h.deps.audit.query({ type: 'access.denied', limit: 1000 });
    assert.equal(after.length, rows + 1);
    assert.equal(after[0]?.reason, 'rate_limited');
    assert.equal(after[0]?.ip, '198.18.0.0/24');
    assert.equal(after[0]?.detail?.limit, 'bearer');
    assert.equal((await bad('198.18.1.51')).status, 401);
  });
});

describe('client keys', () => {
  test('IPv4 as is, IPv4-mapped IPv6 as IPv4, IPv6 by /64', () => {
    assert.equal(clientKey('203.0.113.5'), '203.0.113.5');
    assert.equal(clientKey('::ffff:203.0.113.5'), '203.0.113.5');
    assert.equal(clientKey('2001:db8:1:2:3:4:5:6'), '2001:db8:1:2::/64');
    assert.equal(clientKey('2001:0db8:0001:0002::9'), '2001:db8:1:2::/64');
    assert.equal(clientKey('2001:db8::1'), '2001:db8:0:0::/64');
    assert.equal(clientKey('::1'), '0:0:0:0::/64');
    assert.equal(clientKey(null), 'unknown');
  });
});

describe('failOpen', () => {
  test('counters that cannot be reached limit nobody (rather than a 500 for everyone), with one warning', async () => {
    const down = new Error('connect ECONNREFUSED');
    const broken: LimitCounters = {
      hit: () => Promise.reject(down),
      peek: () => Promise.reject(down),
      addPending: () => Promise.reject(down),
      takePending: () => Promise.reject(down),
      pendingCount: () => Promise.reject(down),
    };
    const lines: string[] = [];
    const logger = pino({ level: 'warn' }, new Writable({ write(chunk, _encoding, done) { lines.push(String(chunk)); done(); } }));
    const counters = failOpen(broken, logger);
    assert.equal((await counters.peek('failed:x', 60_000, 1000)).count, 0);
    assert.equal((await counters.hit('failed:x', 60_000, 1000)).count, 0);
    assert.deepEqual(await counters.addPending('x', 's', 1000, { perClient: 1, total: 1, ttlMs: 1 }), []);
    assert.equal(await counters.takePending('s'), false);
    assert.equal(lines.length, 1);
    assert.doesNotMatch(lines[0]!, /ECONNREFUSED/, 'the error name only');
  });
});
