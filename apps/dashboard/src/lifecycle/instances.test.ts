/**
 * Two instances sharing real PostgreSQL, then real Redis: a deactivation delivered to instance A's
 * `/hooks/okta` has ended the user's session on instance B by the time the hook answers, and B's
 * session-event bus has heard of it (so B's open pages and caches follow).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import pino from 'pino';
import { loadConfig } from '@gatehouse/auth/config';
import { deleteTestKeys, dropTestSchemas, postgresUrl, redisUrl, requirePostgres, requireRedis, testKeyPrefix, testSchema } from '@gatehouse/auth/testing/backends';
import { openStores } from '../app-context.ts';
import { assembleApp } from '../assembly.ts';
import { delivery, HOOK_SECRET, serveOnPort, sessionFor, waitForEvent } from './support.ts';

after(dropTestSchemas);
after(deleteTestKeys);

const SUB = '00utwoinstances0001';

/** Opens instance A (served on a port) and B over the same backend; runs `check`; closes both. */
async function withTwoInstances(env: Record<string, string>, storeOptions: Parameters<typeof openStores>[1]): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'gh-two-'));
  const config = loadConfig({
    NODE_ENV: 'test',
    OKTA_ISSUER: 'https://dev-1.okta.com/oauth2/default',
    OKTA_CLIENT_ID: '0oatwoinstances',
    OKTA_CLIENT_SECRET: 'two-instances-secret',
    APP_BASE_URL: 'http://localhost:3000',
    SESSION_SECRET: 'two-instances-session-secret-shared-0123456789',
    OKTA_EVENT_HOOK_SECRET: HOOK_SECRET,
    LOG_LEVEL: 'silent',
    ...env,
  }, { envFile: false, cwd: dir });
  const logger = pino({ level: 'silent' });
  const storesA = await openStores(config, storeOptions);
  const storesB = await openStores(config, storeOptions);
  const a = await assembleApp(config, storesA, { logger, directory: null });
  const b = await assembleApp(config, storesB, { logger, directory: null });
  const served = await serveOnPort(a.app.fetch);
  try {
    const { cookie } = await sessionFor(b.deps.auth, config, SUB, ['viewer']);
    const me = () => b.app.request('http://localhost:3000/api/me', { headers: { cookie } });
    assert.equal((await me()).status, 200, 'signed in on B');
    const heardOnB = waitForEvent(b.deps.auth.events, 'user.sessions.ended on B', (event) => event.type === 'user.sessions.ended' && event.sub === SUB);

    const hook = await fetch(`${served.url}/hooks/okta`, {
      method: 'POST',
      headers: { authorization: HOOK_SECRET, 'content-type': 'application/json' },
      body: delivery([{ eventType: 'user.lifecycle.deactivate', userId: SUB }]),
    });
    assert.deepEqual(await hook.json(), { status: 'processed', applied: 1, duplicate: 0, ignored: 0 });
    // Nothing awaited between the hook's answer and this request: B already refuses the session.
    assert.equal((await me()).status, 401, 'ended on B before the hook answered');
    const event = await heardOnB;
    assert.equal(event.origin, a.deps.auth.events.instanceId, 'published by A, heard by B');
  } finally {
    await served.close();
    await Promise.all([storesA.close(), storesB.close()]);
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('a deactivation delivered to one instance ends the session on the other', () => {
  it('on PostgreSQL (LISTEN/NOTIFY)', async () => {
    await requirePostgres();
    await withTwoInstances({ DATABASE_URL: postgresUrl }, { postgres: { schema: testSchema() } });
  });

  it('on Redis (pub/sub)', async () => {
    await requireRedis();
    const dir = mkdtempSync(join(tmpdir(), 'gh-audit-'));
    try {
      await withTwoInstances({ DATABASE_URL: `file:${join(dir, 'audit.db')}`, REDIS_URL: redisUrl }, { redis: { keyPrefix: testKeyPrefix() } });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
