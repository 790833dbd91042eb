import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createHarness, type Harness } from '../../testing/harness.ts';

describe('pages by role', () => {
  let h: Harness;
  before(async () => {
    h = await createHarness();
  });
  after(() => h.close());

  test('the landing page offers "Sign in with Okta" to visitors', async () => {
    const res = await h.request('/');
    assert.equal(res.status, 200);
    const html = await res.text();
    assert.match(html, /Gatehouse/);
    assert.match(html, /<a class="button button--large" href="\/auth\/login">Sign in with Okta<\/a>/);
    assert.match(html, /<main id="main"/);
    assert.match(html, /href="#main"[^>]*>Skip to content/);
  });

  test('a signed-in user is sent to their home: admin → /admin, viewer → /dashboards', async () => {
    const admin = await h.signIn('admin');
    const viewer = await h.signIn('viewer');
    const a = await h.request('/', { cookie: admin.cookie });
    assert.equal(a.status, 302);
    assert.equal(a.headers.get('location'), '/admin');
    const v = await h.request('/', { cookie: viewer.cookie });
    assert.equal(v.status, 302);
    assert.equal(v.headers.get('location'), '/dashboards');
  });

  test('a user with no role gets the 403 page everywhere, naming the groups to ask for', async () => {
    const { cookie } = await h.signIn('norole');
    for (const path of ['/', '/dashboards', '/admin', '/admin/users', '/profile']) {
      const res = await h.request(path, { cookie });
      assert.equal(res.status, 403, path);
      const html = await res.text();
      assert.match(html, /Signed in as <strong>norole@gatehouse\.test<\/strong>, but you have no access to this\./, path);
      assert.match(html, /Ask an admin to add you to one of:/, path);
      assert.match(html, /action="\/auth\/logout"/, path);
    }
    const dashboards = await (await h.request('/dashboards', { cookie })).text();
    assert.match(dashboards, /<code>viewer<\/code>/);
    assert.match(dashboards, /<code>admin<\/code>/);
  });

  test('the admin sees the admin panel; the viewer gets 403 on /admin', async () => {
    const admin = await h.signIn('admin');
    const viewer = await h.signIn('viewer');
    const panel = await h.request('/admin', { cookie: admin.cookie });
    assert.equal(panel.status, 200);
    const html = await panel.text();
    assert.match(html, /Admin panel/);
    assert.match(html, /Active sessions/);
    const denied = await h.request('/admin', { cookie: viewer.cookie });
    assert.equal(denied.status, 403);
    assert.match(await denied.text(), /Signed in as <strong>viewer@gatehouse\.test<\/strong>/);
    const deeper = await h.request('/admin/audit?type=signout', { cookie: viewer.cookie });
    assert.equal(deeper.status, 403);
  });

  test('signed out, every protected page redirects to sign-in and back', async () => {
    for (const path of ['/dashboards', '/admin', '/admin/users?q=ada', '/profile']) {
      const res = await h.request(path);
      assert.equal(res.status, 302, path);
      assert.equal(res.headers.get('location'), `/auth/login?returnTo=${encodeURIComponent(path)}`);
    }
  });

  test('the header shows name, role badge, role-limited navigation and a sign-out POST form', async () => {
    const viewer = await h.signIn('viewer');
    const html = await (await h.request('/dashboards', { cookie: viewer.cookie })).text();
    assert.match(html, /Victor Viewer/);
    assert.match(html, /<span class="badge badge--viewer">Viewer<\/span>/);
    assert.match(html, /<a href="\/dashboards" aria-current="page">Dashboards<\/a>/);
    assert.match(html, /<a href="\/profile">Profile<\/a>/);
    assert.doesNotMatch(html, /<a href="\/admin"/);
    assert.match(html, /<form method="post" action="\/auth\/logout"/);

    const admin = await h.signIn('admin');
    const adminHtml = await (await h.request('/profile', { cookie: admin.cookie })).text();
    assert.match(adminHtml, /<a href="\/admin">Admin<\/a>/);
    assert.match(adminHtml, /<span class="badge badge--admin">Admin<\/span>/);
  });

  test('unknown paths get the 404 page (JSON under /api)', async () => {
    const page = await h.request('/no/such/page');
    assert.equal(page.status, 404);
    assert.match(await page.text(), /Page not found/);
    const admin = await h.signIn('admin');
    const api = await h.request('/api/nothing', { cookie: admin.cookie });
    assert.equal(api.status, 404);
    assert.equal((await api.json() as { error: { code: string } }).error.code, 'NOT_FOUND');
  });
});
