import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ConfigError } from '../config/errors.ts';
import { parseConfig } from '../config/schema.ts';
import { sampleSession } from './conformance.ts';
import { openStores } from './factory.ts';

const dir = mkdtempSync(join(tmpdir(), 'gh-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const config = (env: Record<string, string>) => parseConfig({ NODE_ENV: 'test', SESSION_SECRET: 's'.repeat(40), ...env });

describe('openStores', () => {
  it('opens SQLite sessions and audit log in the DATABASE_URL file, creating its folder', async () => {
    const file = join(dir, 'nested', 'gatehouse.db');
    const stores = await openStores(config({ DATABASE_URL: `file:${file}` }));
    await stores.sessions.create(sampleSession());
    await stores.audit.record({ type: 'signin.started', result: 'success' });
    assert.equal(await stores.sessions.count(), 1);
    assert.equal((await stores.audit.query()).length, 1);
    assert.equal(await stores.sessions.ping(), true);
    await stores.close();
    assert.equal(await stores.sessions.ping(), false);
    assert.ok(existsSync(file));
  });

  it('refuses PostgreSQL and Redis for now with a clear ConfigError', async () => {
    await assert.rejects(openStores(config({ DATABASE_URL: 'postgres://127.0.0.1/test' })), (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.deepEqual(error.issues.map((issue) => issue.field), ['DATABASE_URL']);
      assert.match(error.message, /not supported yet/);
      return true;
    });
    await assert.rejects(openStores(config({ DATABASE_URL: `file:${join(dir, 'r.db')}`, REDIS_URL: 'redis://127.0.0.1:6379' })), /REDIS_URL is not supported yet/);
  });
});
