// A full disk under the SQLite store, made real with a file-size limit on the dashboard process
// (RLIMIT_FSIZE through util-linux `prlimit`: writes past it fail with EFBIG, as on a full volume).
// /readyz fails (its canary write does; `SELECT 1` did not), sign-in answers 503 "temporarily
// unavailable" instead of 400 "invalid parameters", and liveness stays up.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, startEmulator, type Emulator } from '@gatehouse/okta-emulator';
import { startDashboardProcess, type DashboardProcess } from './testing/process.ts';

// 512 KiB: room for the schema and a few dozen writes, then every write of the store fails.
const FILE_SIZE_LIMIT = 512 * 1024;

describe('the disk under SQLite fills up', () => {
  let dir: string;
  let emulator: Emulator;
  let app: DashboardProcess;

  before(async () => {
    const prlimit = spawnSync('prlimit', ['--version']);
    assert.equal(prlimit.status, 0, 'prlimit (util-linux) is needed to limit the file size of the dashboard process: apt-get install util-linux');
    dir = mkdtempSync(join(tmpdir(), 'gh-disk-full-'));
    emulator = await startEmulator({ port: 0, dataDir: join(dir, 'emulator') });
    app = await startDashboardProcess({
      NODE_ENV: 'test',
      OKTA_ISSUER: emulator.issuer,
      OKTA_CLIENT_ID: DEMO_CLIENT_ID,
      OKTA_CLIENT_SECRET: DEMO_CLIENT_SECRET,
      APP_BASE_URL: 'http://localhost:3000',
      GATEHOUSE_DATA_DIR: join(dir, 'data'),
      SESSION_SECRET: 'disk-full-test-secret-0123456789-abcdefghij',
      AUTH_RATE_LIMIT_PER_MINUTE: '100000',
    }, { wrapper: ['prlimit', `--fsize=${FILE_SIZE_LIMIT}`, '--'] });
  });
  after(async () => {
    await app?.kill();
    await emulator?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('/readyz 503 naming the disk, sign-in 503 page, liveness still 200', async () => {
    const first = await fetch(`${app.url}/readyz`);
    assert.equal(first.status, 200, 'ready while there is room');
    // Every readiness check writes (and deletes) a canary row: the store's files grow until the limit.
    let failing: { status: string; checks: Record<string, string>; reasons?: Record<string, string> } | undefined;
    for (let i = 0; i < 400 && !failing; i++) {
      const res = await fetch(`${app.url}/readyz`);
      const body = (await res.json()) as NonNullable<typeof failing>;
      if (res.status === 503) failing = body;
    }
    assert.ok(failing, 'the canary write never failed');
    assert.equal(failing.status, 'not_ready');
    assert.equal(failing.checks.sessionStore, 'failing');
    assert.ok(['disk_full', 'disk_error'].includes(failing.reasons?.sessionStore ?? ''), JSON.stringify(failing));

    const login = await fetch(`${app.url}/auth/login?returnTo=/profile`, { redirect: 'manual' });
    assert.equal(login.status, 503);
    assert.equal(login.headers.get('retry-after'), '60');
    const page = await login.text();
    assert.match(page, /Sign-in is temporarily unavailable/);
    assert.match(page, /AUTH_DISK_FULL/);
    assert.doesNotMatch(page, /invalid parameters/);

    assert.equal((await fetch(`${app.url}/healthz`)).status, 200, 'a restart would not free the disk: liveness stays up');
    assert.match(app.output(), /our store failed/);
  });
});
