// Start-up errors for the files Gatehouse needs name the path and the fix. Before, a data
// directory that could not be written stopped the start with SQLite's bare "unable to open
// database file".
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { ConfigError, loadConfig } from '../config/index.ts';
import { openStores } from './factory.ts';

const dir = mkdtempSync(join(tmpdir(), 'gh-startup-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const SECRET = 'startup-errors-secret-0123456789-abcdefghij';

describe('start-up errors name the path and the fix', () => {
  test('a data directory that cannot be created (a file is in the way) names it, not "unable to open database file"', async () => {
    writeFileSync(join(dir, 'not-a-dir'), 'x');
    const config = loadConfig({ NODE_ENV: 'test', SESSION_SECRET: SECRET, GATEHOUSE_DATA_DIR: join(dir, 'not-a-dir', 'data') }, { envFile: false, cwd: dir });
    await assert.rejects(openStores(config), (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.equal(error.issues[0]?.field, 'DATABASE_URL');
      assert.match(error.message, new RegExp(`${join(dir, 'not-a-dir', 'data').replace(/[/.]/g, '\\$&')}`));
      assert.match(error.message, /ENOTDIR/);
      assert.match(error.message, /point GATEHOUSE_DATA_DIR .* at a writable directory/);
      return true;
    });
  });

  test('a SQLite "file" that is a directory names the file and who must own it', async () => {
    mkdirSync(join(dir, 'db-is-a-dir.db'));
    const config = loadConfig({ NODE_ENV: 'test', SESSION_SECRET: SECRET, DATABASE_URL: `file:${join(dir, 'db-is-a-dir.db')}` }, { envFile: false, cwd: dir });
    await assert.rejects(openStores(config), (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.match(error.message, /the SQLite file .*db-is-a-dir\.db cannot be opened for writing/);
      assert.match(error.message, /uid \d+/);
      return true;
    });
  });

  test('a secret file that is a directory says to point at the file inside it', () => {
    mkdirSync(join(dir, 'secrets'), { recursive: true });
    assert.throws(() => loadConfig({ NODE_ENV: 'test', SESSION_SECRET_FILE: join(dir, 'secrets') }, { envFile: false, cwd: dir }), (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.match(error.message, /SESSION_SECRET_FILE points at a file that cannot be read \(.*secrets: EISDIR: it is a directory; point SESSION_SECRET_FILE at the file inside it\)/);
      return true;
    });
  });
});
