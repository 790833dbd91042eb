// Two replicas of the dashboard behind one APP_BASE_URL, sharing PostgreSQL: a session made by
// one is honoured by the other, and a sign-out at either ends it everywhere — the "second replica
// loses every session" bug, proven absent with real servers.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { ROLES } from '@gatehouse/auth';
import { loadConfig } from '@gatehouse/auth/config';
import { DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_USERS, startEmulator } from '@gatehouse/okta-emulator';
import { completeSignIn, fetchFrom, signInThroughApp } from '@gatehouse/okta-emulator/testing';
import { startDashboard } from './server.ts';


const POSTGRES_URL = process.env.GATEHOUSE_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const APP_BASE_URL = 'http://localhost:3000';
const schema = `gh_replicas_${process.pid}_${Date.now()}`;

async function admin<T>(run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  try {
    await client.connect();
  } catch (err) {
    throw new Error(`PostgreSQL is not reachable at ${POSTGRES_URL.replace(/\/\/[^@]*@/, '//')} (${(err as Error).message}): run the tests through npm test (it starts its own PostgreSQL), or set GATEHOUSE_TEST_POSTGRES_URL`);
  }
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

describe('two replicas sharing PostgreSQL', () => {
  let emulator: Awaited<ReturnType<typeof startEmulator>>;
  let replicas: Array<Awaited<ReturnType<typeof startDashboard>>> = [];

  before(async () => {
    await admin((c) => c.query(`CREATE SCHEMA ${schema}`));
    emulator = await startEmulator({ port: 0 });
    const config = loadConfig({
      NODE_ENV: 'test',
      OKTA_ISSUER: emulator.issuer,
      OKTA_CLIENT_ID: DEMO_CLIENT_ID,
      OKTA_CLIENT_SECRET: DEMO_CLIENT_SECRET,
      APP_BASE_URL,
      SESSION_SECRET: 'replica-test-session-secret-shared-by-both-0123',
      DATABASE_URL: `${POSTGRES_URL}?options=${encodeURIComponent(`-c search_path=${schema}`)}`,
      LOG_LEVEL: 'silent',
    }, { envFile: false });
    replicas = [await startDashboard({ config, port: 0 }), await startDashboard({ config, port: 0 })];
  });

  after(async () => {
    await Promise.allSettled(replicas.map((r) => r.close()));
    await emulator?.close();
    await admin((c) => c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`));
  });

  /** Signs the viewer in through replica `i`, the way a browser would; returns the session cookie. */
  async function signInThrough(i: number): Promise<string> {
    const { cookie } = await signInThroughApp(fetchFrom(replicas[i]!.url), '/auth/login?returnTo=/dashboards', DEMO_USERS.viewer);
    return cookie;
  }

  const me = (i: number, cookie: string) => fetch(`${replicas[i]!.url}/api/me`, { headers: { cookie } });

  test('a session created by one replica is honoured by the other', async () => {
    const cookie = await signInThrough(0);
    const there = await me(1, cookie);
    assert.equal(there.status, 200);
    const body = await there.json() as { email: string; roles: string[] };
    assert.equal(body.email, DEMO_USERS.viewer.login);
    // The dashboard's roles; the project's apps (apps/*) may grant the viewer roles of their own.
    assert.deepEqual(body.roles.filter((role) => (ROLES as readonly string[]).includes(role)), ['viewer']);
  });

  test('a login started at one replica can finish at the other (shared login transactions)', async () => {
    const login = await fetch(`${replicas[0]!.url}/auth/login`, { redirect: 'manual' });
    const txCookie = login.headers.getSetCookie().map((line) => line.split(';')[0]).join('; ');
    const { callbackUrl } = await completeSignIn(login.headers.get('location')!, {
      username: DEMO_USERS.viewer.login,
      password: DEMO_USERS.viewer.password,
    });
    const callback = await fetch(`${replicas[1]!.url}${callbackUrl.pathname}${callbackUrl.search}`, { redirect: 'manual', headers: { cookie: txCookie } });
    assert.equal(callback.status, 302);
    assert.ok(callback.headers.getSetCookie().some((line) => line.startsWith('gatehouse=')));
  });

  test('signing out at one replica ends the session at both', async () => {
    const cookie = await signInThrough(1);
    assert.equal((await me(0, cookie)).status, 200);
    const out = await fetch(`${replicas[0]!.url}/auth/logout`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie, Origin: APP_BASE_URL, 'Sec-Fetch-Site': 'same-origin', 'Content-Type': 'application/x-www-form-urlencoded' },
      body: '',
    });
    assert.equal(out.status, 303);
    assert.equal((await me(0, cookie)).status, 401);
    assert.equal((await me(1, cookie)).status, 401);
  });
});
