/**
 * Browser tests: real Chromium against `npm start`'s two servers (the emulator and the app),
 * a fresh browser context per test. Issue 4's list, in order.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import {
  APP_URL, IDP_URL, launchBrowser, newPage, screenshot, signIn, startStack, stepUp, submitCredentials,
  type Stack,
} from './harness.ts';
import { ROLES } from '@gatehouse/auth';
import { currentTotp, DEMO_USERS } from '@gatehouse/okta-emulator';

const ADMIN = 'admin@gatehouse.test';
const VIEWER = 'viewer@gatehouse.test';
const NOROLE = 'norole@gatehouse.test';

function totpSecretOf(login: string): string {
  const user = Object.values(DEMO_USERS).find((u) => u.login === login);
  assert.ok(user?.totpSecret, `demo user ${login} has a TOTP secret`);
  return user.totpSecret;
}

// The lifecycle and live browser suites start their own `npm start` on the same fixed ports (:3000, :9000): imported
// here, they run in this process one suite after the other, never beside this file's stack.
import './lifecycle-browser.ts';
import './live-browser.ts';

describe('browser: the sign-in lifecycle against npm start', { concurrency: false }, () => {
  let stack: Stack;
  let browser: Browser;

  before(async () => {
    stack = await startStack();
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await stack?.stop();
  });

  test('landing page offers "Sign in with Okta"', async () => {
    const { context, page } = await newPage(browser);
    await page.goto(`${APP_URL}/`);
    await page.getByRole('link', { name: /sign in with okta/i }).or(page.getByRole('button', { name: /sign in with okta/i })).first().waitFor();
    await screenshot(page, 'landing');
    await page.getByRole('link', { name: /sign in with okta/i }).or(page.getByRole('button', { name: /sign in with okta/i })).first().click();
    await page.waitForURL((u) => u.origin === IDP_URL);
    await screenshot(page, 'okta-sign-in');
    await context.close();
  });

  test('admin signs in, lands on the admin panel, sees sessions and users', async () => {
    const { context, page } = await newPage(browser);
    await signIn(page, ADMIN);
    assert.equal(new URL(page.url()).pathname, '/admin');
    await page.getByRole('heading', { name: /sessions/i }).first().waitFor();
    await page.getByText(ADMIN).first().waitFor();
    await screenshot(page, 'admin');
    await page.goto(`${APP_URL}/admin/users`);
    await page.getByText(VIEWER).first().waitFor();
    await page.getByText(NOROLE).first().waitFor();
    await screenshot(page, 'admin-users');
    await context.close();
  });

  test('viewer lands on the dashboards with rendered charts; /admin is a 403 page', async () => {
    const { context, page } = await newPage(browser);
    await signIn(page, VIEWER);
    assert.equal(new URL(page.url()).pathname, '/dashboards');
    const charts = await page.locator('svg').count();
    assert.ok(charts >= 2, `expected charts on the dashboards, found ${charts} svg elements`);
    await screenshot(page, 'dashboards');
    const res = await page.goto(`${APP_URL}/admin`);
    assert.equal(res?.status(), 403);
    await page.getByText(/no access/i).first().waitFor();
    await screenshot(page, 'forbidden');
    await context.close();
  });

  test('the user with no role gets the 403 page everywhere', async () => {
    const { context, page } = await newPage(browser);
    await signIn(page, NOROLE);
    for (const p of ['/dashboards', '/admin', '/admin/users']) {
      const res = await page.goto(`${APP_URL}${p}`);
      assert.equal(res?.status(), 403, `${p} should be 403 for a user with no role`);
      await page.getByText(/no access/i).first().waitFor();
    }
    await context.close();
  });

  test('a deep link while signed out goes through sign-in and back to the deep link', async () => {
    const { context, page } = await newPage(browser);
    await page.goto(`${APP_URL}/dashboards?dataset=weather`);
    await page.waitForURL((u) => u.origin === IDP_URL);
    await submitCredentials(page, VIEWER);
    await page.waitForURL((u) => u.origin === APP_URL);
    const url = new URL(page.url());
    assert.equal(url.pathname, '/dashboards');
    assert.equal(url.searchParams.get('dataset'), 'weather');
    await context.close();
  });

  test('sign-out ends the Okta session too: the next sign-in asks for the password again', async () => {
    const { context, page } = await newPage(browser);
    await signIn(page, VIEWER);
    await page.getByRole('button', { name: /sign out/i }).first().click();
    await page.waitForURL((u) => u.origin === APP_URL && u.pathname === '/');
    const me = await page.request.get(`${APP_URL}/api/me`);
    assert.equal(me.status(), 401);
    await page.getByRole('link', { name: /sign in with okta/i }).or(page.getByRole('button', { name: /sign in with okta/i })).first().click();
    await page.waitForURL((u) => u.origin === IDP_URL);
    await page.getByLabel(/password/i).waitFor();
    await context.close();
  });

  test('a session survives an app restart', async () => {
    const { context, page } = await newPage(browser);
    await signIn(page, VIEWER);
    await stack.restart();
    const res = await page.goto(`${APP_URL}/profile`);
    assert.equal(res?.status(), 200);
    assert.equal(new URL(page.url()).pathname, '/profile');
    await page.getByText(VIEWER).first().waitFor();
    await screenshot(page, 'profile');
    await context.close();
  });

  test("the admin revokes the viewer's session; the viewer's next request goes to sign-in", async () => {
    const viewer = await newPage(browser);
    await signIn(viewer.page, VIEWER);
    const admin = await newPage(browser);
    await signIn(admin.page, ADMIN);
    await admin.page.goto(`${APP_URL}/admin/sessions`);
    // Revoking is an admin action: the first click sends the admin to step up with the second factor.
    await admin.page.locator('tr', { hasText: VIEWER }).first().getByRole('button', { name: /^revoke$/i }).click();
    await stepUp(admin.page, ADMIN);
    await admin.page.locator('tr', { hasText: VIEWER }).first().getByRole('button', { name: /^revoke$/i }).click();
    await admin.page.waitForLoadState('load');
    await admin.page.getByText(/revoked/i).first().waitFor();
    // The viewer's browser still holds its cookie; the app no longer honours it.
    const next = await viewer.page.request.get(`${APP_URL}/dashboards`, { maxRedirects: 0 });
    assert.equal(next.status(), 302);
    assert.match(next.headers().location ?? '', /^\/auth\/login\?returnTo=%2Fdashboards/);
    assert.equal((await viewer.page.request.get(`${APP_URL}/api/me`)).status(), 401);
    await viewer.context.close();
    await admin.context.close();
  });

  test('the admin provisions a user into viewer; that user signs in with the viewer role', async () => {
    const admin = await newPage(browser);
    await signIn(admin.page, ADMIN);
    await admin.page.goto(`${APP_URL}/admin/users/new`);
    await stepUp(admin.page, ADMIN);
    const login = `new.viewer.${Date.now()}@gatehouse.test`;
    await admin.page.getByLabel(/first name/i).fill('Nia');
    await admin.page.getByLabel(/last name/i).fill('Newcomer');
    await admin.page.getByLabel(/email/i).fill(login);
    await admin.page.getByLabel(/password/i).fill('Provisioned-pass-1');
    await admin.page.getByLabel(/^viewer$/i).check();
    await admin.page.getByRole('button', { name: /create|provision/i }).click();
    await admin.page.waitForLoadState('load');
    await admin.page.getByText(login).first().waitFor();
    await admin.context.close();

    const user = await newPage(browser);
    await signIn(user.page, login, 'Provisioned-pass-1');
    assert.equal(new URL(user.page.url()).pathname, '/dashboards');
    const me = await (await user.page.request.get(`${APP_URL}/api/me`)).json() as { roles: string[] };
    // The dashboard's roles; the project's apps (apps/*) may grant the viewer roles of their own.
    assert.deepEqual(me.roles.filter((role) => (ROLES as readonly string[]).includes(role)), ['viewer']);
    await user.context.close();
  });

  test('a step-up action asks for the MFA code and then completes', async () => {
    const admin = await newPage(browser);
    await signIn(admin.page, ADMIN);
    const target = await newPage(browser);
    await signIn(target.page, NOROLE);
    await target.context.close();

    await admin.page.goto(`${APP_URL}/admin/sessions`);
    const row = admin.page.locator('tr', { hasText: NOROLE }).first();
    await row.getByRole('link', { name: /revoke all/i }).or(row.getByRole('button', { name: /revoke all/i })).first().click();
    // Step-up: back at the emulator, which asks for the password again and then the TOTP code.
    await admin.page.waitForURL((u) => u.origin === IDP_URL);
    const password = admin.page.getByLabel(/password/i);
    if (await password.count()) await submitCredentials(admin.page, ADMIN);
    await admin.page.getByLabel(/code/i).fill(currentTotp(totpSecretOf(ADMIN)));
    await screenshot(admin.page, 'mfa');
    await admin.page.getByRole('button', { name: /verify|continue|sign in/i }).click();
    await admin.page.waitForURL((u) => u.origin === APP_URL);
    await admin.page.getByRole('button', { name: /revoke all/i }).click();
    await admin.page.waitForLoadState('load');
    await admin.page.getByText(/revoked/i).first().waitFor();
    await admin.context.close();
  });
});
