// The throwaway servers `npm test` brings (scripts/test-servers.ts): a missing binary fails with the
// install command, a started server answers on its own port, and stop() leaves nothing behind.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import pg from 'pg';
import { findBinary, INSTALL_HINT, MissingServerError, startPostgres, startRedis } from '../scripts/test-servers.ts';

const nowhere = { path: '/nonexistent-bin', postgresRoot: '/nonexistent-postgresql' };

function refuses(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}

describe('test servers', () => {
  it('a missing PostgreSQL or Redis binary fails with the command that installs it', async () => {
    assert.equal(INSTALL_HINT, 'apt-get install postgresql redis-server');
    for (const name of ['initdb', 'postgres', 'pg_basebackup', 'redis-server']) {
      assert.throws(() => findBinary(name, nowhere), (error: unknown) => error instanceof MissingServerError && error.message.includes(`${name} was not found`) && error.message.includes(INSTALL_HINT));
    }
    await assert.rejects(startPostgres({ search: nowhere }), MissingServerError);
    await assert.rejects(startRedis(nowhere), /apt-get install postgresql redis-server/);
  });

  it('finds PostgreSQL’s server programs under /usr/lib/postgresql/<version>/bin when they are not on PATH', () => {
    const root = mkdtempSync(join(tmpdir(), 'gh-pgroot-'));
    try {
      assert.throws(() => findBinary('initdb', { path: '', postgresRoot: root }), MissingServerError);
      const found = findBinary('initdb', { path: '' });
      assert.match(found, /initdb$/);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('a started PostgreSQL answers on its own port and stop() removes it and its files', async () => {
    const server = await startPostgres();
    assert.notEqual(server.port, 5432, 'never the machine’s own server');
    const client = new pg.Client({ connectionString: server.url });
    await client.connect();
    assert.equal((await client.query('SELECT current_user AS who')).rows[0].who, 'postgres');
    await client.end();
    await server.stop();
    assert.equal(existsSync(server.dataDir), false);
    assert.equal(await refuses(server.port), true);
  });

  it('a started Redis answers on its own port and stop() removes it', async () => {
    const server = await startRedis();
    assert.notEqual(server.port, 6379, 'never the machine’s own server');
    assert.equal(await refuses(server.port), false);
    await server.stop();
    assert.equal(await refuses(server.port), true);
  });
});
