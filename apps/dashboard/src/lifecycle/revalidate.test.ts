/**
 * Revalidation with no hook configured: past SESSION_REVALIDATE_SECONDS the next request re-checks
 * the identity at the real emulator — a user removed from a group directly at the emulator loses
 * the role, a deactivated user loses the session — and while the IdP is down the last known roles
 * hold for SESSION_REVALIDATE_GRACE, then access is refused.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DEMO_GROUP_IDS, DEMO_USERS } from '@gatehouse/okta-emulator';
import { createHarness, type Harness } from '../testing/harness.ts';
import { fetchFrom, signInThroughApp } from '@gatehouse/okta-emulator/testing';
import { management, serveOnPort, sessionFor } from './support.ts';

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
// 1 s, the smallest age the setting takes; waiting just past it is the only way to age a real session.
const AGE_MS = 1100;

describe('revalidation past SESSION_REVALIDATE_SECONDS (no hook)', () => {
  let h: Harness;
  let served: Awaited<ReturnType<typeof serveOnPort>>;
  const me = (cookie: string) => h.request('/api/me', { cookie });

  before(async () => {
    let app: Harness['app'] | undefined;
    served = await serveOnPort((request) => app!.fetch(request));
    h = await createHarness({ emulator: true, emulatorRateLimitPerMinute: 100_000, env: { APP_BASE_URL: served.url, SESSION_REVALIDATE_SECONDS: '1', SESSION_REVALIDATE_GRACE: '2' } });
    app = h.app;
    h.emulator!.addRedirectUris(h.config.okta.clientId, { redirectUris: [h.config.redirectUri] });
  });
  after(async () => {
    await served?.close();
    await h?.close();
  });

  it('a group removed at the emulator is gone at the next request past the age (refresh)', async () => {
    const { cookie } = await signInThroughApp(fetchFrom(served.url), '/auth/login?returnTo=/dashboards', DEMO_USERS.viewer);
    assert.deepEqual(((await (await me(cookie)).json()) as { roles: string[] }).roles, ['viewer']);
    await management(h.emulator!, 'DELETE', `/api/v1/groups/${DEMO_GROUP_IDS.viewer}/users/${DEMO_USERS.viewer.id}`);
    assert.equal((await me(cookie)).status, 200, 'within the age: the roles it had');
    await pause(AGE_MS);
    assert.equal((await me(cookie)).status, 403, 'revalidated: no role left');
    await management(h.emulator!, 'PUT', `/api/v1/groups/${DEMO_GROUP_IDS.viewer}/users/${DEMO_USERS.viewer.id}`);
    await pause(AGE_MS);
    assert.deepEqual(((await (await me(cookie)).json()) as { roles: string[] }).roles, ['viewer'], 'and back');
  });

  it('a session without a refresh token is revalidated through the Management API (audited)', async () => {
    // The harness session carries no refresh token, as a sign-in without offline_access would.
    const { cookie, sessionId } = await sessionFor(h.auth, h.config, DEMO_USERS.admin.id, ['admin']);
    await management(h.emulator!, 'DELETE', `/api/v1/groups/${DEMO_GROUP_IDS.admin}/users/${DEMO_USERS.admin.id}`);
    try {
      await pause(AGE_MS);
      assert.equal((await me(cookie)).status, 403);
      const entry = (await h.deps.audit.query({ type: 'lifecycle.event' })).find((e) => e.sessionId === sessionId);
      assert.equal(entry?.reason, 'groups_from_management_api');
    } finally {
      await management(h.emulator!, 'PUT', `/api/v1/groups/${DEMO_GROUP_IDS.admin}/users/${DEMO_USERS.admin.id}`);
    }
  });

  it('a user deactivated at the emulator is out at revalidation', async () => {
    const { cookie } = await signInThroughApp(fetchFrom(served.url), '/auth/login?returnTo=/dashboards', DEMO_USERS.norole);
    await management(h.emulator!, 'POST', `/api/v1/users/${DEMO_USERS.norole.id}/lifecycle/deactivate`);
    await pause(AGE_MS);
    assert.equal((await me(cookie)).status, 401);
  });
});

describe('revalidation while the IdP is down', () => {
  it('keeps the last known roles for the grace, then refuses the session', async () => {
    const h = await createHarness({ emulator: true, env: { SESSION_REVALIDATE_SECONDS: '1', SESSION_REVALIDATE_GRACE: '1' } });
    try {
      const { cookie } = await h.signIn('viewer');
      await h.emulator!.close();
      await pause(AGE_MS);
      assert.equal((await h.request('/api/me', { cookie })).status, 200, 'past the age, within the grace');
      await pause(AGE_MS);
      assert.equal((await h.request('/api/me', { cookie })).status, 401, 'past the grace: fail closed');
      assert.ok((await h.deps.audit.query({ type: 'access.denied' })).some((e) => e.reason === 'revalidation_failed'));
    } finally {
      await h.close();
    }
  });
});
