import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createHarness, form, SAME_ORIGIN, type Harness } from '../../testing/harness.ts';

const post = (h: Harness, path: string, cookie: string, fields: Record<string, string> = {}) =>
  h.request(path, { method: 'POST', cookie, headers: { ...SAME_ORIGIN, 'Content-Type': 'application/x-www-form-urlencoded' }, body: form(fields) });

describe('admin: sessions', () => {
  let h: Harness;
  before(async () => {
    h = await createHarness();
  });
  after(() => h.close());

  test('the sessions page lists users with browser and network summaries', async () => {
    const admin = await h.signIn('admin');
    await h.signIn('viewer');
    const res = await h.request('/admin/sessions', { cookie: admin.cookie });
    assert.equal(res.status, 200);
    const html = await res.text();
    assert.match(html, /viewer@gatehouse\.test/);
    assert.match(html, /Firefox on Linux/);
    assert.match(html, /203\.0\.113\.0\/24/);
    assert.match(html, /this session/);
  });

  test('revoking one session removes it from the store, records it, and the viewer is signed out', async () => {
    const admin = await h.signIn('admin', { authAgeSeconds: 10, amr: ['pwd', 'otp', 'mfa'] });
    const viewer = await h.signIn('viewer');
    assert.equal((await h.request('/dashboards', { cookie: viewer.cookie })).status, 200);

    const res = await post(h, `/admin/sessions/${viewer.session.id}/revoke`, admin.cookie);
    assert.equal(res.status, 303);
    assert.equal(res.headers.get('location'), '/admin/sessions?done=session-revoked');
    assert.equal(await h.deps.sessions.get(viewer.session.id), null);

    const next = await h.request('/dashboards', { cookie: viewer.cookie });
    assert.equal(next.status, 302);
    assert.match(next.headers.get('location') ?? '', /^\/auth\/login\?returnTo=/);

    const [event] = await h.deps.audit.query({ type: 'admin.action', limit: 1 });
    assert.equal(event?.result, 'success');
    assert.equal(event?.sub, admin.session.user.sub);
    assert.equal(event?.detail?.action, 'session.revoke');
    assert.equal(event?.detail?.target, viewer.session.user.sub);

    const page = await h.request('/admin/sessions?done=session-revoked', { cookie: admin.cookie });
    assert.match(await page.text(), /The session was revoked/);
  });

  test('revoking one session without a step-up is sent through the IdP and revokes nothing', async () => {
    // Regression: revoke-one had no step-up, so revoke-all's step-up was undone one session at a time.
    const admin = await h.signIn('admin', { authAgeSeconds: 3600, amr: ['pwd'] });
    const viewer = await h.signIn('viewer');
    const res = await post(h, `/admin/sessions/${viewer.session.id}/revoke`, admin.cookie);
    assert.equal(res.status, 302);
    const location = new URL(res.headers.get('location') ?? '', 'http://x');
    assert.equal(location.pathname, '/auth/login');
    assert.equal(location.searchParams.get('returnTo'), '/admin/sessions');
    assert.equal(location.searchParams.get('acr_values'), 'urn:okta:loa:2fa:any');
    assert.notEqual(await h.deps.sessions.get(viewer.session.id), null);
    // A fresh sign-in without a second factor is no better.
    const fresh = await h.signIn('admin', { authAgeSeconds: 5, amr: ['pwd'] });
    assert.equal((await post(h, `/admin/sessions/${viewer.session.id}/revoke`, fresh.cookie)).status, 302);
    assert.notEqual(await h.deps.sessions.get(viewer.session.id), null);
  });

  test('revoking an unknown session is a friendly notice, not an error', async () => {
    const admin = await h.signIn('admin', { authAgeSeconds: 10, amr: ['pwd', 'otp', 'mfa'] });
    const res = await post(h, '/admin/sessions/doesnotexist/revoke', admin.cookie);
    assert.equal(res.status, 303);
    assert.equal(res.headers.get('location'), '/admin/sessions?done=session-not-found');
  });

  test('a viewer cannot revoke sessions, even with a same-origin POST', async () => {
    const admin = await h.signIn('admin');
    const viewer = await h.signIn('viewer');
    const res = await post(h, `/admin/sessions/${admin.session.id}/revoke`, viewer.cookie);
    assert.equal(res.status, 403);
    assert.notEqual(await h.deps.sessions.get(admin.session.id), null);
  });

  test('revoke-all needs a recent MFA sign-in: an old sign-in is sent through the IdP to the confirm page', async () => {
    const admin = await h.signIn('admin', { authAgeSeconds: 3600, amr: ['pwd'] });
    const viewer = await h.signIn('viewer');
    const confirmPath = `/admin/users/${viewer.session.user.sub}/sessions/revoke`;

    const confirm = await h.request(confirmPath, { cookie: admin.cookie });
    assert.equal(confirm.status, 302);
    const location = new URL(confirm.headers.get('location') ?? '', 'http://x');
    assert.equal(location.pathname, '/auth/login');
    assert.equal(location.searchParams.get('returnTo'), confirmPath);
    assert.equal(location.searchParams.get('max_age'), '300');
    // A second factor, always: Okta's ifpossible would let a factorless admin through on a password.
    assert.equal(location.searchParams.get('acr_values'), 'urn:okta:loa:2fa:any');

    // The POST cannot be replayed after the round trip: it goes through the IdP back to the confirm page.
    const action = await post(h, confirmPath, admin.cookie);
    assert.equal(action.status, 302);
    assert.equal(new URL(action.headers.get('location') ?? '', 'http://x').searchParams.get('returnTo'), confirmPath);
    assert.notEqual(await h.deps.sessions.get(viewer.session.id), null);
  });

  test('with a fresh MFA sign-in, the confirm page shows and the POST revokes every session of the user', async () => {
    const admin = await h.signIn('admin', { authAgeSeconds: 10, amr: ['pwd', 'otp', 'mfa'] });
    const first = await h.signIn('viewer');
    const second = await h.signIn('viewer');
    const confirmPath = `/admin/users/${first.session.user.sub}/sessions/revoke`;

    const confirm = await h.request(confirmPath, { cookie: admin.cookie });
    assert.equal(confirm.status, 200);
    const html = await confirm.text();
    assert.match(html, /Revoke all sessions of viewer@gatehouse\.test\?/);
    assert.match(html, new RegExp(`<form method="post" action="${confirmPath}"`));

    const before = (await h.deps.sessions.list({ sub: first.session.user.sub })).length;
    assert.ok(before >= 2);
    const res = await post(h, confirmPath, admin.cookie);
    assert.equal(res.status, 303);
    assert.equal(await h.deps.sessions.get(first.session.id), null);
    assert.equal(await h.deps.sessions.get(second.session.id), null);
    assert.deepEqual(await h.deps.sessions.list({ sub: first.session.user.sub }), []);
    assert.notEqual(await h.deps.sessions.get(admin.session.id), null, 'other users keep their sessions');
    const [event] = await h.deps.audit.query({ type: 'admin.action', limit: 1 });
    assert.equal(event?.detail?.action, 'user.sessions.revoke');
    assert.equal(event?.detail?.count, before);
  });
});

describe('admin: audit log', () => {
  let h: Harness;
  before(async () => {
    h = await createHarness();
    const base = Date.now() - 60_000;
    for (let i = 0; i < 60; i++) {
      await h.deps.audit.record({ type: 'signin.succeeded', result: 'success', sub: '00uviewer00gatehouse', email: 'viewer@gatehouse.test', at: base + i });
    }
    await h.deps.audit.record({ type: 'signin.failed', result: 'failure', reason: 'groups_claim_missing', email: 'nobody@gatehouse.test', at: base + 100 });
    await h.deps.audit.record({ type: 'signin.failed', result: 'failure', reason: 'idp_access_denied', email: 'viewer@gatehouse.test', at: base + 101 });
  });
  after(() => h.close());

  test('filters by user, event and result', async () => {
    const admin = await h.signIn('admin');
    const byResult = await (await h.request('/admin/audit?result=failure', { cookie: admin.cookie })).text();
    assert.match(byResult, /groups_claim_missing/);
    assert.match(byResult, /idp_access_denied/);
    assert.doesNotMatch(byResult, /<code>signin\.succeeded<\/code>/);

    const byUser = await (await h.request('/admin/audit?user=nobody%40gatehouse.test', { cookie: admin.cookie })).text();
    assert.match(byUser, /groups_claim_missing/);
    assert.doesNotMatch(byUser, /idp_access_denied/);

    const byTypeAndUser = await (await h.request('/admin/audit?type=signin.failed&user=viewer%40gatehouse.test', { cookie: admin.cookie })).text();
    assert.match(byTypeAndUser, /idp_access_denied/);
    assert.doesNotMatch(byTypeAndUser, /groups_claim_missing/);
    assert.match(byTypeAndUser, /<option value="signin\.failed" selected="">signin\.failed<\/option>/);
  });

  test('paginates 50 at a time with an "Older" link that keeps the filters', async () => {
    const admin = await h.signIn('admin');
    const html = await (await h.request('/admin/audit?type=signin.succeeded', { cookie: admin.cookie })).text();
    assert.equal(html.match(/<code>signin\.succeeded<\/code>/g)?.length, 50);
    const older = /href="(\/admin\/audit\?type=signin\.succeeded&amp;before=\d+)"[^>]*>Older/.exec(html);
    assert.ok(older, 'an Older link');
    const second = await (await h.request(older[1]!.replace(/&amp;/g, '&'), { cookie: admin.cookie })).text();
    assert.equal(second.match(/<code>signin\.succeeded<\/code>/g)?.length, 10);
    assert.doesNotMatch(second, />Older</);
    assert.match(second, />Newest</);
  });

  test('an unknown filter value is a 400 page', async () => {
    const admin = await h.signIn('admin');
    for (const query of ['type=bogus', 'result=maybe', 'before=-3', 'before=abc']) {
      const res = await h.request(`/admin/audit?${query}`, { cookie: admin.cookie });
      assert.equal(res.status, 400, query);
      assert.match(await res.text(), /Unknown filter/);
    }
  });
});

describe('admin: sign-in health and roles', () => {
  let h: Harness;
  before(async () => {
    h = await createHarness({ env: { GATEHOUSE_VIEWER_GROUPS: 'viewer,analysts' } });
    const now = Date.now();
    await h.deps.audit.record({ type: 'signin.failed', result: 'failure', reason: 'groups_claim_missing', at: now - 10 * 60_000 });
    await h.deps.audit.record({ type: 'signin.failed', result: 'failure', reason: 'groups_claim_missing', at: now - 5 * 3_600_000 });
    await h.deps.audit.record({ type: 'signin.failed', result: 'failure', reason: 'invalid_client', at: now - 2 * 3_600_000 });
    // How the auth core records a sign-in whose ID token had no groups claim: success, no role.
    await h.deps.audit.record({ type: 'signin.succeeded', result: 'success', reason: 'groups_claim_missing', email: 'nogroups@gatehouse.test', at: now - 60_000 });
    await h.deps.audit.record({ type: 'signin.succeeded', result: 'success', email: 'fine@gatehouse.test', at: now - 60_000 });
  });
  after(() => h.close());

  test('failures by reason over the last hour and day, with what each means and how to fix it', async () => {
    const admin = await h.signIn('admin');
    const html = await (await h.request('/admin/health', { cookie: admin.cookie })).text();
    const failed = /<tr><td><code>groups_claim_missing<\/code><\/td><td><span class="badge badge--failure">failed<\/span><\/td><td class="num">(\d+)<\/td><td class="num">(\d+)<\/td>/.exec(html);
    assert.ok(failed, 'a failed groups_claim_missing row');
    assert.deepEqual([failed[1], failed[2]], ['1', '2']);
    const flawed = /<tr><td><code>groups_claim_missing<\/code><\/td><td><span class="badge badge--muted">signed in, no role<\/span><\/td><td class="num">(\d+)<\/td><td class="num">(\d+)<\/td>/.exec(html);
    assert.ok(flawed, 'a signed-in-without-role groups_claim_missing row');
    assert.deepEqual([flawed[1], flawed[2]], ['1', '1']);
    assert.match(html, /Add Claim named <code>groups<\/code>/);
    assert.match(html, /<code>invalid_client<\/code><\/td><td><span class="badge badge--failure">failed<\/span><\/td><td class="num">0<\/td><td class="num">1<\/td>/);
    assert.match(html, /Recent sign-ins with a problem[\s\S]*nogroups@gatehouse\.test/);
    assert.doesNotMatch(html, /fine@gatehouse\.test/);
    assert.match(html, /Latest failures/);
  });

  test('the roles page shows the group → role → permission table from config', async () => {
    const admin = await h.signIn('admin');
    const html = await (await h.request('/admin/roles', { cookie: admin.cookie })).text();
    assert.match(html, /<code>analysts<\/code>/);
    assert.match(html, /<code>users:manage<\/code>/);
    assert.match(html, /<code>dashboards:read<\/code>/);
  });
});
