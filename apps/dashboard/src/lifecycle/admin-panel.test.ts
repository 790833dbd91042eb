/**
 * The admin panel's own changes apply at once, with no hook configured: removing the viewer from
 * `viewer` re-roles their open session before the admin's page comes back; adding them back
 * restores the role; deactivating ends the session.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DEMO_GROUP_IDS, DEMO_USERS } from '@gatehouse/okta-emulator';
import { createHarness, form, SAME_ORIGIN, type Harness } from '../testing/harness.ts';

describe('admin panel changes reach the user’s open sessions at once', () => {
  let h: Harness;
  before(async () => {
    h = await createHarness({ emulator: true, emulatorRateLimitPerMinute: 100_000 });
  });
  after(async () => {
    await h?.close();
  });

  it('removing and re-adding a group re-roles the user’s session immediately', async () => {
    assert.equal(h.config.lifecycle.eventHookSecret, null, 'no hook: the panel itself must apply the change');
    const viewer = await h.signIn('viewer');
    // Group changes are admin actions that step up: a fresh sign-in with a second factor.
    const admin = await h.signIn('admin', { authAgeSeconds: 10, amr: ['pwd', 'otp', 'mfa'] });
    const remove = await h.request(`/admin/users/${DEMO_USERS.viewer.id}/groups/${DEMO_GROUP_IDS.viewer}/remove`, { method: 'POST', cookie: admin.cookie, headers: SAME_ORIGIN });
    assert.equal(remove.status, 303);
    assert.equal((await h.request('/dashboards', { cookie: viewer.cookie })).status, 403, 'the very next request');

    const add = await h.request(`/admin/users/${DEMO_USERS.viewer.id}/groups`, {
      method: 'POST',
      cookie: admin.cookie,
      headers: { ...SAME_ORIGIN, 'content-type': 'application/x-www-form-urlencoded' },
      body: form({ groupId: DEMO_GROUP_IDS.viewer }),
    });
    assert.equal(add.status, 303);
    assert.equal((await h.request('/dashboards', { cookie: viewer.cookie })).status, 200);
    const entries = (await h.deps.audit.query({ type: 'lifecycle.event' })).filter((e) => e.detail?.['source'] === 'admin_panel');
    assert.deepEqual(entries.map((e) => e.detail?.['roles']), ['viewer', 'none']);
  });
});
