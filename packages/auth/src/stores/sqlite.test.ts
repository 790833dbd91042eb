import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, describe, it } from 'node:test';
import { runAuditLogConformance } from '../testing/audit-log-conformance.ts';
import { runSessionStoreConformance, sampleSession } from '../testing/session-store-conformance.ts';
import { SqliteAuditLog, SqliteSessionStore, sqlitePath } from './sqlite.ts';

const dir = mkdtempSync(join(tmpdir(), 'gh-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const freshUrl = () => `file:${join(dir, `store-${++files}.db`)}`;

runSessionStoreConformance('SqliteSessionStore (file)', async () => SqliteSessionStore.open(freshUrl()));
runSessionStoreConformance('SqliteSessionStore (file::memory:)', async () => SqliteSessionStore.open('file::memory:'));
runAuditLogConformance('SqliteAuditLog (file)', async () => SqliteAuditLog.open(freshUrl()));

describe('SqliteSessionStore specifics', () => {
  it('uses WAL, stores only the secret hash, and keeps data across reopen', async () => {
    const url = freshUrl();
    const store = SqliteSessionStore.open(url);
    const session = sampleSession({ secretHash: 'only-the-hash' });
    await store.create(session);
    await store.close();

    const raw = new DatabaseSync(sqlitePath(url));
    assert.equal((raw.prepare('PRAGMA journal_mode').get() as { journal_mode: string }).journal_mode, 'wal');
    const row = raw.prepare('SELECT * FROM auth_sessions WHERE id = ?').get(session.id) as Record<string, unknown>;
    assert.equal(row.secret_hash, 'only-the-hash');
    raw.close();

    const reopened = SqliteSessionStore.open(url);
    assert.deepEqual(await reopened.get(session.id), session);
    await reopened.close();
  });

  it('looks sessions up by primary key and users through an index', () => {
    const url = freshUrl();
    const store = SqliteSessionStore.open(url);
    const raw = new DatabaseSync(sqlitePath(url));
    const plan = (sql: string) => (raw.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as Array<{ detail: string }>).map((step) => step.detail).join(' | ');
    assert.match(plan('SELECT * FROM auth_sessions WHERE id = ?'), /SEARCH auth_sessions USING (PRIMARY KEY|INDEX sqlite_autoindex_auth_sessions_1) \(id=\?\)/);
    assert.match(plan('DELETE FROM auth_sessions WHERE sub = ?'), /USING (COVERING )?INDEX auth_sessions_by_user/);
    raw.close();
    return store.close();
  });

  it('two connections to one file: a transaction is taken by exactly one of them', async () => {
    const url = freshUrl();
    const first = SqliteSessionStore.open(url);
    const second = SqliteSessionStore.open(url);
    const now = Date.now();
    const tx = { state: 'shared-state', codeVerifier: 'v', nonce: 'n', returnTo: '/', browserBinding: 'b', createdAt: now, expiresAt: now + 600_000 };
    await first.putTransaction(tx);
    const results = await Promise.all([first.takeTransaction(tx.state), second.takeTransaction(tx.state)]);
    assert.equal(results.filter(Boolean).length, 1);
    await first.close();
    await second.close();
  });

  it('sessions and audit log share one database file', async () => {
    const url = freshUrl();
    const sessions = SqliteSessionStore.open(url);
    const audit = SqliteAuditLog.open(url);
    await sessions.create(sampleSession());
    await audit.record({ type: 'signout', result: 'success' });
    assert.equal(await sessions.count(), 1);
    assert.equal((await audit.query()).length, 1);
    await sessions.close();
    await audit.close();
  });

  it('parses file: URLs and refuses other schemes', () => {
    assert.equal(sqlitePath('file::memory:'), ':memory:');
    assert.equal(sqlitePath('file:/tmp/x.db'), '/tmp/x.db');
    assert.equal(sqlitePath('file:///tmp/y.db'), '/tmp/y.db');
    assert.equal(sqlitePath('file:./data/z.db'), join(process.cwd(), 'data/z.db'));
    assert.throws(() => sqlitePath('postgres://localhost/db'), /DATABASE_URL/);
    assert.throws(() => sqlitePath('file:'), /DATABASE_URL/);
  });
});
