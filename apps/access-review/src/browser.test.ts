/**
 * Access Review in real Chromium: one sign-in through the emulator's hosted page opens the
 * dashboard and this app alike; starting a review steps up through Okta (password, TOTP) and
 * comes back; signing out from the app ends both.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { startProjectStack, type ProjectStack } from '@gatehouse/dashboard/testing';
import { currentTotp, DEMO_USERS } from '@gatehouse/okta-emulator';
import { launchBrowser, newPage, submitCredentials } from '../../../e2e/harness.ts';
import app from './index.ts';

describe('Access Review in the browser', () => {
  let stack: ProjectStack;
  let browser: Browser;
  before(async () => {
    stack = await startProjectStack({ apps: [app] });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await stack?.close();
  });

  test('admin signs in once, reviews access after a step-up, uses the dashboard with the same session, signs out of both', async () => {
    const idp = new URL(stack.emulator.issuer).origin;
    const { context, page } = await newPage(browser);
    await page.goto(`${stack.appBase}/apps/access-review/`);
    await page.waitForURL((url) => url.origin === idp);
    await submitCredentials(page, DEMO_USERS.admin.login);
    await page.waitForURL(`${stack.appBase}/apps/access-review/`);
    await page.getByRole('cell', { name: DEMO_USERS.viewer.login }).waitFor();
    await page.getByRole('cell', { name: DEMO_USERS.admin.login }).waitFor();

    await page.getByRole('button', { name: 'Start a review' }).click();
    // Step-up: back at the emulator, which asks for the password again and then the TOTP code.
    await page.waitForURL((url) => url.origin === idp);
    if (await page.getByLabel(/password/i).count()) await submitCredentials(page, DEMO_USERS.admin.login);
    await page.getByLabel(/code/i).fill(currentTotp(DEMO_USERS.admin.totpSecret));
    await page.getByRole('button', { name: /verify|continue|sign in/i }).click();
    await page.waitForURL(`${stack.appBase}/apps/access-review/`);
    await page.getByRole('button', { name: 'Start a review' }).click();
    await page.waitForURL(/\/apps\/access-review\/reviews\/r[0-9a-z]+$/);
    await page.getByRole('heading', { name: /Review of/ }).waitFor();
    // The viewer never signed in here or at Okta: flagged.
    await page.getByRole('cell', { name: DEMO_USERS.viewer.login }).waitFor();

    await page.getByRole('link', { name: 'Admin' }).click();
    await page.waitForURL(`${stack.appBase}/admin`);
    await page.getByRole('link', { name: 'Access Review' }).click();
    await page.waitForURL(`${stack.appBase}/apps/access-review/`);

    await page.getByRole('button', { name: 'Sign out' }).first().click();
    await page.waitForURL((url) => url.origin === stack.appBase && url.pathname === '/');
    for (const path of ['/apps/access-review/', '/admin']) {
      const res = await page.request.get(`${stack.appBase}${path}`, { maxRedirects: 0 });
      assert.equal(res.status(), 302, `${path}: signed out of it as well`);
    }
    await context.close();
  });
});
