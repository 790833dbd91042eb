// Sessions across two regions on PostgreSQL, for real: a primary and two streaming replicas made
// with pg_basebackup (scripts/test-servers.ts), two dashboards each reading its own replica
// (DATABASE_READ_URL) and writing to the primary. A sign-in in one region is honoured in the other
// even while that region's replica lags; a revocation in one is honoured in the other at once,
// whatever its replica says; losing the primary leaves a region serving existing sessions
// read-only and asking new sign-ins to retry, and it recovers by itself. Bad set-ups fail at start.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { ConfigError, loadConfig } from '@gatehouse/auth/config';
import { openStores } from '@gatehouse/auth/stores/factory';
import { DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_USERS, startEmulator, type Emulator } from '@gatehouse/okta-emulator';
import { freePort, holdReplay, startPostgres, type TestPostgres } from '../../../scripts/test-servers.ts';
import { startDashboard, type RunningDashboard } from './server.ts';
import { fetchFrom, signInThroughApp } from '@gatehouse/okta-emulator/testing';

const APP_BASE_URL = 'http://localhost:3000';
const SAME_ORIGIN = { Origin: APP_BASE_URL, 'Sec-Fetch-Site': 'same-origin', 'Content-Type': 'application/x-www-form-urlencoded' };

async function sql<T extends pg.QueryResultRow>(url: string, text: string, values: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(text, values)).rows;
  } finally {
    await client.end();
  }
}

/** Polls `check` every 50 ms until it holds (a state change, never a duration being measured); fails after 20 s. */
async function eventually(what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`never happened: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const sessionId = (cookie: string) => cookie.split('=')[1]!.split('.')[0]!;
const rowsFor = async (url: string, cookie: string) => Number((await sql<{ n: string }>(url, 'SELECT count(*) AS n FROM auth_sessions WHERE id = $1', [sessionId(cookie)]))[0]!.n);

describe('sessions across two regions (PostgreSQL primary + streaming replicas)', () => {
  let primary: TestPostgres;
  const replicas: TestPostgres[] = [];
  let emulator: Emulator;
  const regions: RunningDashboard[] = [];

  const config = (readUrl: string, extra: Record<string, string> = {}) => loadConfig({
    NODE_ENV: 'test',
    OKTA_ISSUER: emulator.issuer,
    OKTA_CLIENT_ID: DEMO_CLIENT_ID,
    OKTA_CLIENT_SECRET: DEMO_CLIENT_SECRET,
    APP_BASE_URL,
    SESSION_SECRET: 'regions-test-session-secret-shared-by-both-0123',
    DATABASE_URL: primary.url,
    DATABASE_READ_URL: readUrl,
    LOG_LEVEL: 'silent',
    ...extra,
  }, { envFile: false });

  before(async () => {
    primary = await startPostgres();
    replicas.push(await startPostgres({ replicaOf: primary }), await startPostgres({ replicaOf: primary }));
    emulator = await startEmulator({ port: 0 });
    for (const replica of replicas) regions.push(await startDashboard({ config: config(replica.url), port: 0 }));
    const [{ lsn }] = await sql<{ lsn: string }>(primary.url, 'SELECT pg_current_wal_insert_lsn()::text AS lsn') as [{ lsn: string }];
    for (const replica of replicas) {
      await eventually('the replica has replayed the tables', async () => (await sql<{ ok: boolean }>(replica.url, 'SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn AS ok', [lsn]))[0]?.ok === true);
    }
  });

  after(async () => {
    await Promise.allSettled(regions.map((region) => region.close()));
    await emulator?.close();
    await Promise.allSettled(replicas.map((replica) => replica.stop()));
    await primary?.stop();
  });

  const signIn = async (region: number) => (await signInThroughApp(fetchFrom(regions[region]!.url), '/auth/login?returnTo=/dashboards', DEMO_USERS.viewer)).cookie;
  // /profile needs the session alone (the dashboards also read the audit log, which lives on the primary).
  const page = (region: number, cookie: string) => fetch(`${regions[region]!.url}/profile`, { redirect: 'manual', headers: { cookie } });
  const readyz = async (region: number) => {
    const response = await fetch(`${regions[region]!.url}/readyz`);
    return { status: response.status, body: await response.json() as { status: string; checks: Record<string, string>; reasons?: Record<string, string>; sessionServers: { primary: string; replica: string; mode: string } } };
  };
  const replay = (region: number, action: 'pause' | 'resume') => holdReplay(replicas[region]!.url, action === 'pause', primary.url);

  test('readiness names the primary and the replica', async () => {
    const { status, body } = await readyz(0);
    assert.equal(status, 200);
    assert.deepEqual(body.sessionServers, { primary: 'ok', replica: 'ok', mode: 'read-write' });
  });

  test('a sign-in in one region is honoured in the other while that region’s replica lags (the miss is asked of the primary)', async () => {
    await replay(0, 'pause');
    try {
      const cookie = await signIn(1);
      assert.equal(await rowsFor(replicas[0]!.url, cookie), 0, 'region 0’s replica has not replayed the new session');
      assert.equal((await page(0, cookie)).status, 200);
    } finally {
      await replay(0, 'resume');
    }
  });

  test('a revocation in one region is honoured in the other at once, although that region’s replica still holds the session', async () => {
    const cookie = await signIn(0);
    await eventually('both replicas hold the session', async () => (await rowsFor(replicas[0]!.url, cookie)) === 1 && (await rowsFor(replicas[1]!.url, cookie)) === 1);
    assert.equal((await page(1, cookie)).status, 200);
    await replay(1, 'pause');
    try {
      const out = await fetch(`${regions[0]!.url}/auth/logout`, { method: 'POST', redirect: 'manual', headers: { cookie, ...SAME_ORIGIN }, body: '' });
      assert.equal(out.status, 303);
      // Told over LISTEN/NOTIFY on the primary; never by region 1's replica, which is paused.
      await eventually('region 1 refuses the revoked session', async () => (await page(1, cookie)).status === 302);
      assert.equal(await rowsFor(replicas[1]!.url, cookie), 1, 'region 1’s replica still holds the revoked session');
      assert.equal((await page(1, cookie)).status, 302);
    } finally {
      await replay(1, 'resume');
    }
  });

  test('without the primary a region serves existing sessions read-only and asks new sign-ins to retry; it recovers by itself', async () => {
    const cookie = await signIn(0);
    await eventually('region 1’s replica holds the session', async () => (await rowsFor(replicas[1]!.url, cookie)) === 1);
    await primary.halt();
    try {
      assert.equal((await page(1, cookie)).status, 200, 'an existing session keeps working');
      const ready = await readyz(1);
      assert.equal(ready.status, 200);
      assert.equal(ready.body.status, 'degraded');
      assert.equal(ready.body.checks.sessionStore, 'degraded');
      assert.equal(ready.body.reasons?.sessionStore, 'primary_unreachable_read_only');
      assert.equal(ready.body.sessionServers.primary, 'failing');
      assert.equal(ready.body.sessionServers.mode, 'read-only');
      const login = await fetch(`${regions[1]!.url}/auth/login?returnTo=/dashboards`, { redirect: 'manual' });
      assert.equal(login.status, 503, 'a new sign-in is told to retry');
      assert.equal(login.headers.get('retry-after'), '60');
      assert.match(await login.text(), /Sign-in is temporarily unavailable.*try again in a minute/is);
      assert.equal(login.headers.getSetCookie().some((line) => line.startsWith('gatehouse=')), false);
    } finally {
      await primary.resume();
    }
    await eventually('region 1 is read-write again', async () => (await readyz(1)).body.sessionServers.mode === 'read-write');
    assert.equal((await page(1, cookie)).status, 200);
    const fresh = await signIn(1);
    assert.equal((await page(0, fresh)).status, 200);
  });

  test('bad set-ups stop the start with the variable and the fix', async () => {
    const refused = async (readUrl: string, extra: Record<string, string> = {}) => {
      const error = await openStores(config(readUrl, extra)).then(
        async (stores) => {
          await stores.close();
          return null;
        },
        (err: unknown) => err,
      );
      assert.ok(error instanceof ConfigError, `refused: ${readUrl}`);
      return error.issues.map((issue) => `${issue.field}: ${issue.message}`).join('\n');
    };
    // The primary under another name is not caught by the URL comparison, only by asking it.
    assert.match(await refused(primary.url.replace('127.0.0.1', 'localhost')), /DATABASE_READ_URL: .*accepts writes \(the primary itself\)/);
    assert.match(await refused(primary.url, { DATABASE_URL: replicas[0]!.url }), /DATABASE_URL: .*(points at a standby|is read-only \(a standby)/);
    assert.match(await refused(`postgres://postgres@127.0.0.1:${await freePort()}/postgres`), /DATABASE_READ_URL: the PostgreSQL replica is not reachable at 127\.0\.0\.1:\d+\/postgres/);
    // Without DATABASE_READ_URL, a standby as DATABASE_URL is named as such, not as "unreachable".
    const standby = await openStores(loadConfig({ NODE_ENV: 'test', SESSION_SECRET: 'regions-test-session-secret-shared-by-both-0123', DATABASE_URL: replicas[0]!.url }, { envFile: false })).catch((err: unknown) => err);
    assert.ok(standby instanceof ConfigError);
    assert.match(standby.message + standby.issues.map((issue) => issue.message).join(' '), /read-only \(a standby/);
  });
});
