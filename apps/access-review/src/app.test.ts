/**
 * Access Review through `app.request()`: the real project app (dashboard + this app) over real
 * stores and the real Okta emulator (its Management API lists the group members); last sign-ins
 * come from the real audit log, one of them from a real sign-in through the emulator.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHarness, form, SAME_ORIGIN, signInThroughApp, type Harness } from '@gatehouse/dashboard/testing';
import { DEMO_USERS } from '@gatehouse/okta-emulator';
import app from './index.ts';

const DAY_MS = 24 * 3600 * 1000;
const BASE = '/apps/access-review';

describe('Access Review', () => {
  let h: Harness;
  before(async () => {
    h = await createHarness({ apps: [app], emulator: true });
    // The admin signs in for real (the audit log and Okta both see it); the viewer last signed in
    // 40 days ago as far as the audit log knows, and never at Okta's end.
    await signInThroughApp((path, cookie) => h.request(path, { cookie, redirect: 'manual' }), '/auth/login', DEMO_USERS.admin);
    await h.deps.audit.record({ type: 'signin.succeeded', result: 'success', sub: DEMO_USERS.viewer.id, email: DEMO_USERS.viewer.login, at: Date.now() - 40 * DAY_MS });
  });
  after(() => h.close());

  test('signed out: sign-in first, then back to the page asked for', async () => {
    const res = await h.request(`${BASE}/`);
    assert.equal(res.status, 302);
    assert.equal(res.headers.get('location'), `/auth/login?returnTo=${encodeURIComponent(`${BASE}/`)}`);
  });

  test('only admins open it by default: viewer and no-role users get the 403 page, no nav entry', async () => {
    for (const kind of ['viewer', 'norole'] as const) {
      const { cookie } = await h.signIn(kind);
      const res = await h.request(`${BASE}/`, { cookie });
      assert.equal(res.status, 403, kind);
      assert.match(await res.text(), /<code>admin<\/code>/);
      assert.doesNotMatch(await (await h.request('/profile', { cookie })).text(), /href="\/apps\/access-review\/"/);
    }
  });

  test('admin sees everyone holding admin or viewer in Okta, with last sign-ins, most idle first', async () => {
    const { cookie } = await h.signIn('admin');
    const res = await h.request(`${BASE}/`, { cookie });
    assert.equal(res.status, 200);
    const html = await res.text();
    const rows = [...html.matchAll(/<tr><td>([^<]+)<\/td><td>([^<]+)<\/td><td>([^<]+)<\/td><td>(.*?)<\/td><td>(.*?)<\/td><td>(.*?)<\/td><\/tr>/g)].map((m) => m.slice(1));
    assert.deepEqual(rows.map((row) => [row[0], row[1]]), [['viewer@gatehouse.test', 'viewer'], ['admin@gatehouse.test', 'admin']]);
    const [viewer, admin] = rows;
    assert.match(viewer![3]!, new RegExp(new Date(Date.now() - 40 * DAY_MS).toISOString().slice(0, 10)), 'the audit log gives the viewer a sign-in 40 days ago');
    assert.match(viewer![5]!, /unused 40 days/);
    const today = new Date().toISOString().slice(0, 10);
    assert.match(admin![3]!, new RegExp(today), "the admin's real sign-in is in the audit log");
    assert.match(admin![4]!, new RegExp(today), "and in Okta's lastLogin");
    assert.equal(admin![5], 'in use');
    assert.doesNotMatch(html, /norole@gatehouse\.test/, 'no role, nothing to review');
    assert.match(html, /<button type="submit" class="button">Start a review<\/button>/);
  });

  test('starting a review: cross-site refused, old sign-in stepped up, then the unused accounts are flagged and audited', async () => {
    const stale = await h.signIn('admin', { authAgeSeconds: 3600 });
    assert.equal((await h.request(`${BASE}/reviews`, { method: 'POST', cookie: stale.cookie, body: form({}), headers: { Origin: 'https://evil.example' } })).status, 403);
    const stepUp = await h.request(`${BASE}/reviews`, { method: 'POST', cookie: stale.cookie, body: form({}), headers: SAME_ORIGIN });
    assert.equal(stepUp.status, 302);
    const location = new URL(stepUp.headers.get('location')!, 'http://localhost:3000');
    assert.equal(location.pathname, '/auth/login');
    assert.equal(location.searchParams.get('returnTo'), `${BASE}/`);
    assert.equal((await h.deps.audit.query({ type: 'admin.action' })).length, 0, 'nothing recorded before the step-up');

    const fresh = await h.signIn('admin', { authAgeSeconds: 5, amr: ['pwd', 'mfa'] });
    const started = await h.request(`${BASE}/reviews`, { method: 'POST', cookie: fresh.cookie, body: form({}), headers: SAME_ORIGIN });
    assert.equal(started.status, 303);
    const reviewPath = started.headers.get('location')!;
    assert.match(reviewPath, /^\/apps\/access-review\/reviews\/r[0-9a-z]+$/);

    const review = await (await h.request(reviewPath, { cookie: fresh.cookie })).text();
    assert.match(review, /1 of 2 accounts unused for 30 days or more/);
    assert.match(review, /<tr><td>viewer@gatehouse\.test<\/td><td>40<\/td><\/tr>/);
    assert.doesNotMatch(review, /<td>admin@gatehouse\.test<\/td>/);

    const events = await h.deps.audit.query({ type: 'admin.action' });
    const startedEvent = events.find((event) => event.detail?.['action'] === 'review.started');
    assert.equal(startedEvent?.sub, DEMO_USERS.admin.id);
    assert.equal(startedEvent?.detail?.['flagged'], 1);
    assert.deepEqual(events.filter((event) => event.detail?.['action'] === 'review.flagged').map((event) => event.detail?.['target']), [DEMO_USERS.viewer.id]);
    assert.match(await (await h.request(`${BASE}/`, { cookie: fresh.cookie })).text(), /1 of 2 flagged/);
  });

  test('an unknown or malformed review id is the 404 page, never a 5xx', async () => {
    const { cookie } = await h.signIn('admin');
    for (const id of ['r0', 'nope', "r1' OR 1=1", '%E0%A4%A', 'r'.repeat(500)]) {
      const res = await h.request(`${BASE}/reviews/${id}`, { cookie });
      assert.equal(res.status, 404, id);
    }
  });

  test('GATEHOUSE_ROLE_ACCESS_REVIEW_USER_GROUPS opens it to others, who still cannot start a review', async () => {
    const custom = await createHarness({ apps: [app], emulator: true, env: { GATEHOUSE_ROLE_ACCESS_REVIEW_USER_GROUPS: 'viewer' } });
    try {
      const { cookie } = await custom.signIn('viewer', { authAgeSeconds: 5, amr: ['pwd', 'mfa'] });
      const page = await custom.request(`${BASE}/`, { cookie });
      assert.equal(page.status, 200);
      assert.doesNotMatch(await page.text(), /Start a review/);
      assert.equal((await custom.request(`${BASE}/reviews`, { method: 'POST', cookie, body: form({}), headers: SAME_ORIGIN })).status, 403);
    } finally {
      await custom.close();
    }
  });

  test('without the Management API: an honest 503 page, and no review is recorded', async () => {
    const bare = await createHarness({ apps: [app] });
    try {
      const { cookie } = await bare.signIn('admin', { authAgeSeconds: 5, amr: ['pwd', 'mfa'] });
      const page = await bare.request(`${BASE}/`, { cookie });
      assert.equal(page.status, 503);
      assert.match(await page.text(), /Management API is not configured/);
      const post = await bare.request(`${BASE}/reviews`, { method: 'POST', cookie, body: form({}), headers: SAME_ORIGIN });
      assert.equal(post.status, 503);
      assert.equal((await bare.deps.audit.query({ type: 'admin.action' })).length, 0);
    } finally {
      await bare.close();
    }
  });
});
