/**
 * Browser tests of live pages (issue 9; imported by browser.test.ts, so that stacks on
 * :3000/:9000 never run at once): real Chromium against `npm start`. Nobody touches the page
 * under test — what happens elsewhere (the admin panel, another tab, Okta itself through its
 * Management API and Event Hook) moves it by itself, over `GET /live`.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { DEMO_API_TOKEN, DEMO_GROUP_IDS } from '@gatehouse/okta-emulator';
import { APP_URL, IDP_URL, launchBrowser, newPage, screenshot, signIn, startStack, stepUp, type Stack } from './harness.ts';

const ADMIN = 'admin@gatehouse.test';
const VIEWER = 'viewer@gatehouse.test';
const NOROLE = 'norole@gatehouse.test';
const PASSWORD = 'Live-viewer-pass-1';

/** Okta's Management API at the emulator, as an Okta admin (or a script) would call it. */
async function okta(method: string, path: string, body?: unknown): Promise<Response> {
  const res = await fetch(`${IDP_URL}${path}`, {
    method,
    headers: { authorization: `SSWS ${DEMO_API_TOKEN}`, accept: 'application/json', ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  assert.ok(res.ok, `${method} ${path}: ${res.status} ${await res.clone().text()}`);
  return res;
}

/**
 * A user of its own in `viewer`, made at Okta, so that deactivating it or taking its group away
 * leaves the demo users as the other suites expect them.
 */
async function newViewer(label: string): Promise<{ id: string; login: string }> {
  const login = `live.${label}.${Date.now()}@gatehouse.test`;
  const res = await okta('POST', '/api/v1/users?activate=true', {
    profile: { login, email: login, firstName: 'Lia', lastName: 'Live' },
    credentials: { password: { value: PASSWORD } },
    groupIds: [DEMO_GROUP_IDS.viewer],
  });
  const { id } = await res.json() as { id: string };
  return { id, login };
}

/** Signed in, on /dashboards, with the live channel connected. */
async function openDashboards(page: Page, login: string, password?: string): Promise<void> {
  await signIn(page, login, password);
  assert.equal(new URL(page.url()).pathname, '/dashboards');
  await page.locator('#live-indicator[data-state="live"]').waitFor();
}

describe('browser: live pages against npm start', { concurrency: false }, () => {
  let stack: Stack;
  let browser: Browser;

  before(async () => {
    stack = await startStack();
    browser = await launchBrowser();
    // The app answers health checks before npm start has registered its Event Hook at the emulator.
    for (let i = 0; i < 100 && !/Okta Event Hook:/.test(stack.output()); i++) await new Promise((resolve) => setTimeout(resolve, 100));
    assert.match(stack.output(), /Okta Event Hook: .*registered and verified/);
  });
  after(async () => {
    await browser?.close();
    await stack?.stop();
  });

  test("live: the admin revokes the viewer's session; the viewer's open dashboards page says so", async () => {
    const viewer = await newPage(browser);
    await openDashboards(viewer.page, VIEWER);
    const admin = await newPage(browser);
    await signIn(admin.page, ADMIN);
    await admin.page.goto(`${APP_URL}/admin/sessions`);
    // Newest first: the viewer's first row is the session just made. Revoking steps up first.
    await admin.page.locator('tr', { hasText: VIEWER }).first().getByRole('button', { name: /^revoke$/i }).click();
    await stepUp(admin.page, ADMIN);
    await admin.page.locator('tr', { hasText: VIEWER }).first().getByRole('button', { name: /^revoke$/i }).click();
    await admin.page.waitForLoadState('load');
    // Nobody touches the viewer's page: it goes by itself.
    await viewer.page.waitForURL((u) => u.pathname === '/signed-out');
    await viewer.page.getByRole('heading', { name: /you were signed out/i }).waitFor();
    await viewer.page.getByText(/an administrator ended your session/i).waitFor();
    await screenshot(viewer.page, 'signed-out');
    // "Sign in again" goes back through Okta (still signed in there) to the dashboards.
    await viewer.page.getByRole('link', { name: /sign in again/i }).click();
    await viewer.page.waitForURL((u) => u.origin === APP_URL && u.pathname === '/dashboards');
    await viewer.context.close();
    await admin.context.close();
  });

  test('live: signing out in one tab signs out the other tab', async () => {
    const { context, page: first } = await newPage(browser);
    await signIn(first, VIEWER);
    const second = await context.newPage();
    await second.goto(`${APP_URL}/profile`);
    await second.locator('#live-indicator[data-state="live"]').waitFor();
    await first.getByRole('button', { name: /sign out/i }).first().click();
    await first.waitForURL((u) => u.origin === APP_URL && u.pathname === '/');
    await second.waitForURL((u) => u.pathname === '/signed-out');
    await second.getByText(/you signed out in another tab or window/i).waitFor();
    await context.close();
  });

  test("live: a new sign-in appears on the admin's open sessions page, marked new and announced", async () => {
    const admin = await newPage(browser);
    await signIn(admin.page, ADMIN);
    await admin.page.goto(`${APP_URL}/admin/sessions`);
    await admin.page.locator('#live-indicator[data-state="live"]').waitFor();
    const before = await admin.page.locator('#live-sessions tbody tr').count();
    const other = await newPage(browser);
    await signIn(other.page, NOROLE);
    const fresh = admin.page.locator('#live-sessions tr.live-new', { hasText: NOROLE });
    await fresh.waitFor();
    assert.equal(await admin.page.locator('#live-sessions tbody tr').count(), before + 1);
    await admin.page.locator('#live-announcer', { hasText: /active sessions updated: 1 new/i }).waitFor();
    assert.equal(new URL(admin.page.url()).pathname, '/admin/sessions', 'no navigation, no reload');
    await screenshot(admin.page, 'live-sessions');
    await other.context.close();
    await admin.context.close();
  });

  test('live: with JavaScript disabled every page still works, without the live badge', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, javaScriptEnabled: false });
    const page = await context.newPage();
    await signIn(page, ADMIN);
    assert.equal(new URL(page.url()).pathname, '/admin');
    for (const p of ['/admin/sessions', '/admin/audit', '/admin/health', '/dashboards']) {
      const res = await page.goto(`${APP_URL}${p}`);
      assert.equal(res?.status(), 200, p);
      assert.equal(await page.locator('#live-indicator').isVisible(), false, `${p}: no live badge without JavaScript`);
    }
    // Forms are plain HTML: revoking a session works the same.
    const target = await newPage(browser);
    await signIn(target.page, NOROLE);
    await target.context.close();
    await page.goto(`${APP_URL}/admin/sessions`);
    await page.locator('tr', { hasText: NOROLE }).first().getByRole('button', { name: /^revoke$/i }).click();
    // The step-up through the emulator's hosted pages is plain forms too.
    await stepUp(page, ADMIN);
    await page.locator('tr', { hasText: NOROLE }).first().getByRole('button', { name: /^revoke$/i }).click();
    await page.waitForLoadState('load');
    await page.getByText(/the session was revoked/i).first().waitFor();
    await context.close();
  });

  test('live: the user is deactivated at Okta; their open dashboards page says so', async () => {
    const user = await newViewer('deactivated');
    const { context, page } = await newPage(browser);
    await openDashboards(page, user.login, PASSWORD);
    // Straight at Okta, not through the app: the emulator's Event Hook tells the app.
    await okta('POST', `/api/v1/users/${user.id}/lifecycle/deactivate`);
    await page.waitForURL((u) => u.pathname === '/signed-out');
    await page.getByRole('heading', { name: /you were signed out/i }).waitFor();
    await page.getByText(/deactivated.*in Okta/i).waitFor();
    // The session is gone on the server too, not just on the page.
    assert.equal((await page.request.get(`${APP_URL}/api/me`)).status(), 401);
    await context.close();
  });

  test('live: the user is removed from viewer at Okta; their open dashboards page reloads to the 403 page', async () => {
    const user = await newViewer('unroled');
    const { context, page } = await newPage(browser);
    await openDashboards(page, user.login, PASSWORD);
    const reloaded = page.waitForResponse((res) => res.request().isNavigationRequest() && new URL(res.url()).pathname === '/dashboards');
    await okta('DELETE', `/api/v1/groups/${DEMO_GROUP_IDS.viewer}/users/${user.id}`);
    // Nobody touches the page: the live channel reloads it, and the reload is the 403 page.
    assert.equal((await reloaded).status(), 403);
    await page.getByRole('heading', { name: /you don't have access to this/i }).waitFor();
    assert.equal(new URL(page.url()).pathname, '/dashboards');
    // Still signed in, with no role.
    assert.equal((await page.request.get(`${APP_URL}/api/me`)).status(), 403);
    await context.close();
  });
});
