/**
 * RegionalSessionStore against a real primary and a real streaming replica (pg_basebackup, started
 * here): the rules a two-region dashboard test cannot reach quickly — the read-only window, the
 * fence after the primary comes back, role changes read from the primary, no writes while read-only.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { holdReplay, startPostgres, type TestPostgres } from '../../../../scripts/test-servers.ts';
import { createLocalBus } from '../events/bus.ts';
import { sampleSession, sampleTransaction } from '../testing/session-store-conformance.ts';
import { PostgresSessionStore } from './postgres.ts';
import { READ_ONLY_WINDOW_MS, RegionalSessionStore } from './postgres-regional.ts';

async function sql(url: string, text: string, values: unknown[] = []): Promise<pg.QueryResultRow[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text, values)).rows;
  } finally {
    await client.end();
  }
}

async function caughtUp(primary: TestPostgres, replica: TestPostgres): Promise<void> {
  const [{ lsn }] = (await sql(primary.url, 'SELECT pg_current_wal_insert_lsn()::text AS lsn')) as [{ lsn: string }];
  const deadline = Date.now() + 20_000;
  while ((await sql(replica.url, 'SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn AS ok', [lsn]))[0]?.ok !== true) {
    if (Date.now() > deadline) assert.fail('the replica never caught up');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('RegionalSessionStore (real primary + streaming replica)', () => {
  let primary: TestPostgres;
  let replica: TestPostgres;
  let clock = Date.now();
  const stores: RegionalSessionStore[] = [];

  before(async () => {
    primary = await startPostgres();
    replica = await startPostgres({ replicaOf: primary });
  });
  after(async () => {
    await Promise.allSettled(stores.map((store) => store.close()));
    await replica?.stop();
    await primary?.stop();
  });

  // A stopped primary ends idle connections: the pools must hear it instead of crashing the test.
  const pool = (url: string) => new pg.Pool({ connectionString: url, max: 2 }).on('error', () => {});

  async function open(): Promise<RegionalSessionStore> {
    const store = new RegionalSessionStore({
      primary: await PostgresSessionStore.open(primary.url, { onError: () => {} }),
      replica: await PostgresSessionStore.openReadOnly(replica.url, { onError: () => {} }),
      control: { primary: pool(primary.url), replica: pool(replica.url) },
      now: () => clock,
      // The test probes by hand: a timer probe between two steps would change what it checks.
      probeIntervalMs: 3_600_000,
    });
    stores.push(store);
    await store.probe();
    return store;
  }

  it('without the primary: existing sessions are read from the replica, touches are skipped, writes fail; 15 min later the replica is no longer trusted', async () => {
    const store = await open();
    const session = sampleSession();
    await store.create(session);
    await caughtUp(primary, replica);
    await primary.halt();
    try {
      assert.deepEqual(await store.probe(), { primary: 'failing', replica: 'ok', mode: 'read-only' });
      assert.equal((await store.get(session.id))?.id, session.id);
      await store.touch(session.id, clock, clock + 1000);
      await assert.rejects(store.create(sampleSession()));
      await assert.rejects(store.putTransaction(sampleTransaction()));
      assert.equal(await store.ping(), true, 'still able to serve existing sessions');
      clock += READ_ONLY_WINDOW_MS + 1;
      await assert.rejects(store.get(session.id), 'refused once the read-only window has passed');
      assert.equal(await store.ping(), false);
    } finally {
      await primary.resume();
    }
    assert.equal((await store.probe()).mode, 'read-write');
    assert.equal((await store.get(session.id))?.id, session.id);
  });

  it('after the primary comes back, a revocation nobody announced is honoured although the replica still holds the session (fence)', async () => {
    const store = await open();
    const session = sampleSession();
    await store.create(session);
    await caughtUp(primary, replica);
    assert.equal((await store.get(session.id))?.id, session.id);
    await primary.halt();
    await store.probe();
    await primary.resume();
    await holdReplay(replica.url, true, primary.url);
    try {
      // Revoked while this instance could not hear it: straight on the primary, no bus message.
      await sql(primary.url, 'DELETE FROM auth_sessions WHERE id = $1', [session.id]);
      assert.equal((await store.probe()).replica, 'lagging');
      assert.equal((await sql(replica.url, 'SELECT count(*)::int AS n FROM auth_sessions WHERE id = $1', [session.id]))[0]?.n, 1);
      assert.equal(await store.get(session.id), null);
    } finally {
      await holdReplay(replica.url, false);
    }
    await caughtUp(primary, replica);
    await new Promise((resolve) => setTimeout(resolve, 150));
    await store.get('nothing-here');
    assert.equal((await store.probe()).replica, 'ok', 'trusted again once it has replayed past the fence');
  });

  it('a role change heard on the bus is read from the primary while the replica still has the old roles', async () => {
    const store = await open();
    const bus = createLocalBus();
    store.listen(bus);
    const session = sampleSession({ roles: ['admin'] });
    await store.create(session);
    await caughtUp(primary, replica);
    await holdReplay(replica.url, true, primary.url);
    try {
      await sql(primary.url, `UPDATE auth_sessions SET roles = '["viewer"]' WHERE id = $1`, [session.id]);
      assert.deepEqual((await store.get(session.id))?.roles, ['admin'], 'the lagging replica answers until told');
      await bus.publish({ type: 'roles.changed', sub: session.user.sub, roles: ['viewer'] });
      assert.deepEqual((await store.get(session.id))?.roles, ['viewer']);
      await bus.publish({ type: 'session.ended', sub: session.user.sub, sessionIds: [session.id], reason: 'revoked_by_admin' });
      assert.equal(await store.get(session.id), null);
    } finally {
      await holdReplay(replica.url, false);
    }
  });
});
