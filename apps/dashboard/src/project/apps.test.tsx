/**
 * One sign-in across the project's apps: an app mounted at `/apps/<name>/` shares the dashboard's
 * session, configuration, RBAC table, headers, CSRF check, error pages and step-up; the navigation
 * lists it only for users whose roles open it; others get the 403 page; signing out ends it too.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { defineApp, type GatehouseApp } from '@gatehouse/app-kit';
import type { Permission, Role } from '@gatehouse/auth';
import { requirePermission, type AuthEnv } from '@gatehouse/auth/hono';
import { Hono } from 'hono';
import { createHarness, form, SAME_ORIGIN, type Harness } from '../testing/harness.ts';
import { discoverApps } from './discover.ts';

// A fixture app whose names are not in the project's registries: cast, so no test type leaks out.
const permission = (name: string) => name as Permission;
const role = (name: string) => name as Role;

const reports: GatehouseApp = defineApp({
  manifest: {
    name: 'reports',
    title: 'Reports',
    description: 'A fixture app.',
    permission: permission('reports:read'),
    roles: {
      [role('reports-user')]: { permissions: [permission('reports:read')], defaultGroups: ['admin', 'viewer'] },
      [role('reports-editor')]: { permissions: [permission('reports:read'), permission('reports:write')], defaultGroups: ['admin'] },
    },
  },
  createApp(ctx) {
    const app = new Hono<AuthEnv>();
    app.get('/', (c) => ctx.page(c, { title: 'Home', children: <h1>Reports home for {c.var.caller.user?.email}</h1> }));
    app.get('/edit', (c) => {
      requirePermission(c, permission('reports:write'));
      return ctx.page(c, { title: 'Edit', children: <h1>Edit reports</h1> });
    });
    app.post('/publish', (c) => {
      ctx.requireStepUp(c, `${ctx.basePath}/edit`);
      return c.redirect(`${ctx.basePath}/edit`, 303);
    });
    app.get('/boom', () => {
      throw new Error('a bug in the app, with a secret-looking detail: tok_123');
    });
    return app;
  },
});

describe('apps mounted at /apps/<name>/ behind the one sign-in', () => {
  let h: Harness;
  before(async () => {
    h = await createHarness({ apps: [reports] });
  });
  after(() => h.close());

  test('signed out: the app sends the browser to sign-in and back to the page asked for', async () => {
    const res = await h.request('/apps/reports/edit?x=1');
    assert.equal(res.status, 302);
    assert.equal(res.headers.get('location'), `/auth/login?returnTo=${encodeURIComponent('/apps/reports/edit?x=1')}`);
  });

  test("the dashboard's session opens the app; the page is in the project's shell with the app in the nav", async () => {
    const { cookie } = await h.signIn('viewer');
    const res = await h.request('/apps/reports/', { cookie });
    assert.equal(res.status, 200);
    const html = await res.text();
    assert.match(html, /Reports home for viewer@gatehouse\.test/);
    assert.match(html, /<title>Home · Reports · Gatehouse<\/title>/);
    assert.match(html, /<a href="\/apps\/reports\/" aria-current="page">Reports<\/a>/);
    assert.match(html, /action="\/auth\/logout"/);
    const dashboards = await (await h.request('/dashboards', { cookie })).text();
    assert.match(dashboards, /<a href="\/apps\/reports\/">Reports<\/a>/, 'the dashboard lists the app too');
  });

  test('a user whose roles do not open the app gets the 403 page naming the groups, and no nav entry', async () => {
    const { cookie } = await h.signIn('norole');
    const res = await h.request('/apps/reports/', { cookie });
    assert.equal(res.status, 403);
    const html = await res.text();
    assert.match(html, /have no access to this/);
    assert.match(html, /<code>admin<\/code>/);
    assert.match(html, /<code>viewer<\/code>/);
    assert.doesNotMatch(html, /href="\/apps\/reports\/"/);
    // The guard records the denial without holding the response for it: give the write its turn.
    await new Promise((resolve) => setImmediate(resolve));
    const events = await h.deps.audit.query({ type: 'access.denied' });
    assert.ok(events.some((event) => String(event.detail?.['path']).startsWith('/apps/reports') && event.detail?.['needed'] === 'reports:read'), JSON.stringify(events));
  });

  test("the app's own permission: viewer opens the app but not its editor page; admin does", async () => {
    const viewer = await h.signIn('viewer');
    const denied = await h.request('/apps/reports/edit', { cookie: viewer.cookie });
    assert.equal(denied.status, 403);
    assert.match(await denied.text(), /<code>admin<\/code>/);
    const admin = await h.signIn('admin');
    assert.equal((await h.request('/apps/reports/edit', { cookie: admin.cookie })).status, 200);
    assert.doesNotMatch(await (await h.request('/apps/reports/', { cookie: viewer.cookie })).text(), /href="\/apps\/reports\/edit"/);
  });

  test("inherits the project's headers and no-store on every app page", async () => {
    const { cookie } = await h.signIn('viewer');
    const res = await h.request('/apps/reports/', { cookie });
    assert.match(res.headers.get('content-security-policy') ?? '', /default-src 'self'/);
    assert.equal(res.headers.get('x-frame-options'), 'DENY');
    assert.equal(res.headers.get('cache-control'), 'no-store');
  });

  test('inherits the CSRF check: a cross-site POST to the app is refused with the 403 page', async () => {
    const { cookie } = await h.signIn('admin');
    const res = await h.request('/apps/reports/publish', { method: 'POST', cookie, body: form({}), headers: { Origin: 'https://evil.example' } });
    assert.equal(res.status, 403);
    assert.match(await res.text(), /This form was not sent from Gatehouse/);
  });

  test("inherits the project's step-up (STEP_UP_MAX_AGE, STEP_UP_MFA): an old or password-only sign-in goes back through the IdP", async () => {
    const { cookie } = await h.signIn('admin', { authAgeSeconds: 3600 });
    const res = await h.request('/apps/reports/publish', { method: 'POST', cookie, body: form({}), headers: SAME_ORIGIN });
    assert.equal(res.status, 302);
    const location = new URL(res.headers.get('location')!, 'http://localhost:3000');
    assert.equal(location.pathname, '/auth/login');
    assert.equal(location.searchParams.get('returnTo'), '/apps/reports/edit');
    assert.equal(location.searchParams.get('max_age'), '300');
    assert.ok(location.searchParams.get('acr_values'), 'a second factor is asked for');
    const passwordOnly = await h.signIn('admin', { authAgeSeconds: 10, amr: ['pwd'] });
    assert.equal((await h.request('/apps/reports/publish', { method: 'POST', cookie: passwordOnly.cookie, body: form({}), headers: SAME_ORIGIN })).status, 302);
    const fresh = await h.signIn('admin', { authAgeSeconds: 10, amr: ['pwd', 'mfa'] });
    assert.equal((await h.request('/apps/reports/publish', { method: 'POST', cookie: fresh.cookie, body: form({}), headers: SAME_ORIGIN })).status, 303);
  });

  test("inherits the project's error pages: unknown paths 404, bugs a 500 page without the detail", async () => {
    const { cookie } = await h.signIn('viewer');
    const missing = await h.request('/apps/reports/nope', { cookie });
    assert.equal(missing.status, 404);
    assert.match(await missing.text(), /<main/);
    const boom = await h.request('/apps/reports/boom', { cookie });
    assert.equal(boom.status, 500);
    assert.doesNotMatch(await boom.text(), /tok_123|a bug in the app/);
  });

  test('signing out ends the session for the app too', async () => {
    const { cookie } = await h.signIn('viewer');
    const logout = await h.request('/auth/logout', { method: 'POST', cookie, body: form({}), headers: SAME_ORIGIN });
    assert.ok(logout.status < 400, String(logout.status));
    assert.equal((await h.request('/apps/reports/', { cookie })).status, 302);
  });

  test("the app's roles are in the one RBAC table, granted by configured groups", async () => {
    assert.deepEqual(h.auth.rbac.roles, ['admin', 'viewer', 'reports-user', 'reports-editor']);
    const custom = await createHarness({ apps: [reports], env: { GATEHOUSE_ROLE_REPORTS_EDITOR_GROUPS: 'report-editors' } });
    try {
      assert.deepEqual(custom.auth.rbac.groupsOf(role('reports-editor')), ['report-editors']);
      const { cookie } = await custom.signIn('admin');
      assert.equal((await custom.request('/apps/reports/edit', { cookie })).status, 403, 'admin no longer edits: the variable replaced the default group');
    } finally {
      await custom.close();
    }
  });
});

describe('a user whose only role is an app role', () => {
  test("lands on that app from /, not on the no-access page", async () => {
    const h = await createHarness({ apps: [reports], env: { GATEHOUSE_VIEWER_GROUPS: 'nobody', GATEHOUSE_ROLE_REPORTS_USER_GROUPS: 'viewer' } });
    try {
      const { cookie, session } = await h.signIn('viewer');
      assert.deepEqual(session.roles, ['reports-user']);
      const home = await h.request('/', { cookie });
      assert.equal(home.status, 302);
      assert.equal(home.headers.get('location'), '/apps/reports/');
      assert.equal((await h.request('/dashboards', { cookie })).status, 403);
    } finally {
      await h.close();
    }
  });
});

describe('the project without other apps', () => {
  test('has no /apps routes and no app in the nav', async () => {
    const h = await createHarness();
    try {
      const { cookie } = await h.signIn('admin');
      assert.equal((await h.request('/apps/reports/', { cookie })).status, 404);
      assert.doesNotMatch(await (await h.request('/dashboards', { cookie })).text(), /href="\/apps\//);
    } finally {
      await h.close();
    }
  });
});

describe('discoverApps', () => {
  test("finds the workspace's apps by their package.json, each named after its folder", async () => {
    const apps = await discoverApps();
    for (const app of apps) assert.match(app.manifest.name, /^[a-z][a-z0-9-]*$/);
    assert.ok(!apps.some((app) => app.manifest.name === 'dashboard'));
  });
});
