import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import pg from 'pg';
import { runAuditLogConformance } from '../testing/audit-log-conformance.ts';
import { runSessionStoreConformance, sampleSession } from '../testing/session-store-conformance.ts';
import { PostgresAuditLog, PostgresSessionStore } from './postgres.ts';
import { dropTestSchemas, itSharesOneBackend, postgresUrl, requirePostgres, testSchema } from '../testing/backends.ts';

after(dropTestSchemas);

// Every store opened here goes through requirePostgres first, so an absent server fails each
// test with what to start, rather than a bare ECONNREFUSED.
const openSessions = async (schema = testSchema()) => {
  await requirePostgres();
  return PostgresSessionStore.open(postgresUrl, { schema });
};

it('PostgreSQL is reachable for the store tests', requirePostgres);

runSessionStoreConformance('PostgresSessionStore', () => openSessions());
runAuditLogConformance('PostgresAuditLog', async () => {
  await requirePostgres();
  return PostgresAuditLog.open(postgresUrl, { schema: testSchema() });
});

async function withClient<T>(use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: postgresUrl });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

describe('PostgresSessionStore specifics', () => {
  itSharesOneBackend('database', () => {
    const schema = testSchema();
    return Promise.all([openSessions(schema), openSessions(schema)]);
  });

  it('creates the SQLite table and index names, stores only the secret hash, and keeps data across reopen', async () => {
    const schema = testSchema();
    const store = await openSessions(schema);
    const audit = await PostgresAuditLog.open(postgresUrl, { schema });
    const session = sampleSession({ secretHash: 'only-the-hash' });
    await store.create(session);
    await Promise.all([store.close(), audit.close()]);

    await withClient(async (client) => {
      const indexes = await client.query<{ indexname: string }>('SELECT indexname FROM pg_indexes WHERE schemaname = $1 ORDER BY indexname', [schema]);
      const names = indexes.rows.map((row) => row.indexname);
      for (const name of ['auth_sessions_by_user', 'auth_sessions_by_created', 'auth_sessions_by_expiry', 'auth_login_transactions_by_expiry', 'auth_audit_events_by_type', 'auth_audit_events_by_result', 'auth_audit_events_by_sub', 'auth_audit_events_by_email']) {
        assert.ok(names.includes(name), `index ${name} missing from ${names.join(', ')}`);
      }
      const row = (await client.query(`SELECT * FROM "${schema}".auth_sessions WHERE id = $1`, [session.id])).rows[0] as Record<string, unknown>;
      assert.equal(row.secret_hash, 'only-the-hash');
    });

    const reopened = await openSessions(schema);
    assert.deepEqual(await reopened.get(session.id), session);
    await reopened.close();
  });

  it('looks sessions up by primary key and users through the by-user index', async () => {
    const schema = testSchema();
    const store = await openSessions(schema);
    await store.close();
    await withClient(async (client) => {
      // Tiny tables make a sequential scan cheapest; forbid it to see which index the planner can use.
      await client.query('SET enable_seqscan = off');
      const plan = async (sql: string) => (await client.query(`EXPLAIN ${sql}`, ['x'])).rows.map((row: Record<string, string>) => Object.values(row)[0]).join(' | ');
      assert.match(await plan(`SELECT * FROM "${schema}".auth_sessions WHERE id = $1`), /Index Scan using auth_sessions_pkey/);
      assert.match(await plan(`DELETE FROM "${schema}".auth_sessions WHERE sub = $1`), /auth_sessions_by_user/);
    });
  });

  it('opens without a schema option through the connection search_path', async () => {
    const schema = testSchema();
    await withClient((client) => client.query(`CREATE SCHEMA "${schema}"`));
    const url = new URL(postgresUrl);
    url.searchParams.set('options', `-c search_path=${schema}`);
    await requirePostgres();
    const store = await PostgresSessionStore.open(url.href);
    await store.create(sampleSession());
    await store.close();
    const count = await withClient((client) => client.query(`SELECT COUNT(*)::int AS n FROM "${schema}".auth_sessions`));
    assert.equal(count.rows[0].n, 1);
  });

  it('several instances starting at once on a fresh schema all open (schema creation is serialised)', async () => {
    const schema = testSchema();
    await requirePostgres();
    const stores = await Promise.all([
      ...Array.from({ length: 4 }, () => PostgresSessionStore.open(postgresUrl, { schema })),
      ...Array.from({ length: 2 }, () => PostgresAuditLog.open(postgresUrl, { schema })),
    ]);
    await Promise.all(stores.map((store) => store.close()));
  });

  it('refuses a malformed schema name and rejects when the server cannot be reached', async () => {
    await assert.rejects(PostgresSessionStore.open(postgresUrl, { schema: 'x"; DROP TABLE y; --' }), TypeError);
    await assert.rejects(PostgresSessionStore.open('postgres://postgres@127.0.0.1:1/test'), /ECONNREFUSED/);
  });
});
