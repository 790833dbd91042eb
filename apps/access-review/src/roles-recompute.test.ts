/**
 * App roles survive every recompute of a session's roles: the admin panel's re-role (like an Event
 * Hook's group change or a revalidation) resolves groups through the one roles table, app roles
 * included — not the core table alone, which would take the app away on the first group change.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createHarness, form, SAME_ORIGIN, type Harness } from '@gatehouse/dashboard/testing';
import { DEMO_GROUP_IDS, DEMO_USERS } from '@gatehouse/okta-emulator';
import app from './index.ts';

const BASE = '/apps/access-review';

describe('app roles when a session is re-roled', () => {
  let h: Harness;
  before(async () => {
    h = await createHarness({ apps: [app], emulator: true, emulatorRateLimitPerMinute: 100_000, env: { GATEHOUSE_ROLE_ACCESS_REVIEW_USER_GROUPS: 'viewer' } });
  });
  after(async () => {
    await h?.close();
  });

  it('a group change re-roles the session with its app roles, not the core roles only', async () => {
    const viewer = await h.signIn('viewer');
    assert.equal((await h.request(`${BASE}/`, { cookie: viewer.cookie })).status, 200, 'the app role from GATEHOUSE_ROLE_ACCESS_REVIEW_USER_GROUPS');
    const admin = await h.signIn('admin', { authAgeSeconds: 10, amr: ['pwd', 'otp', 'mfa'] });
    const remove = await h.request(`/admin/users/${DEMO_USERS.viewer.id}/groups/${DEMO_GROUP_IDS.viewer}/remove`, { method: 'POST', cookie: admin.cookie, headers: SAME_ORIGIN });
    assert.equal(remove.status, 303);
    assert.equal((await h.request(`${BASE}/`, { cookie: viewer.cookie })).status, 403, 'out of the group: the app closes at once');
    const add = await h.request(`/admin/users/${DEMO_USERS.viewer.id}/groups`, {
      method: 'POST',
      cookie: admin.cookie,
      headers: { ...SAME_ORIGIN, 'content-type': 'application/x-www-form-urlencoded' },
      body: form({ groupId: DEMO_GROUP_IDS.viewer }),
    });
    assert.equal(add.status, 303);
    assert.equal((await h.request(`${BASE}/`, { cookie: viewer.cookie })).status, 200, 'back in the group: the recomputed roles include the app role');
    const entries = (await h.deps.audit.query({ type: 'lifecycle.event' })).filter((e) => e.detail?.['source'] === 'admin_panel');
    assert.deepEqual(entries.map((e) => e.detail?.['roles']), ['viewer,access-review-user', 'none']);
  });
});
