/**
 * Browser test of issue 7 (imported by browser.test.ts, so that the two stacks on :3000/:9000 never run at once): real Chromium against `npm start` (the emulator registers the app's
 * Event Hook there by itself). The admin removes the viewer from `viewer` in the admin panel; the
 * viewer's next click, in their own browser, shows the 403 page.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { DEMO_API_TOKEN, DEMO_GROUP_IDS, DEMO_USERS } from '@gatehouse/okta-emulator';
import { APP_URL, IDP_URL, launchBrowser, newPage, signIn, startStack, stepUp, type Stack } from './harness.ts';

describe('browser: Okta changes reach open sessions', { concurrency: false }, () => {
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

  test('npm start registered and verified the Event Hook with the emulator', async () => {
    // The app answers health checks before npm start has registered the hook and printed its line.
    for (let i = 0; i < 100 && !/Okta Event Hook:/.test(stack.output()); i++) await new Promise((resolve) => setTimeout(resolve, 100));
    const hooks = await (await fetch(`${IDP_URL}/api/v1/eventHooks`, { headers: { authorization: `SSWS ${DEMO_API_TOKEN}` } })).json() as Array<{ status: string; verificationStatus: string; channel: { config: { uri: string } } }>;
    assert.deepEqual(hooks.map((hook) => [hook.channel.config.uri, hook.status, hook.verificationStatus]), [[`${APP_URL}/hooks/okta`, 'ACTIVE', 'VERIFIED']]);
    assert.match(stack.output(), /Okta Event Hook: http:\/\/localhost:3000\/hooks\/okta \(registered and verified/);
  });

  test('the admin removes the viewer from viewer in the panel; the viewer’s next click shows the 403 page', async () => {
    const viewer = await newPage(browser);
    await signIn(viewer.page, DEMO_USERS.viewer.login);
    assert.equal(new URL(viewer.page.url()).pathname, '/dashboards');

    const admin = await newPage(browser);
    await signIn(admin.page, DEMO_USERS.admin.login);
    await admin.page.goto(`${APP_URL}/admin/users/${DEMO_USERS.viewer.id}`);
    // Removing a group is an admin action: the first click sends the admin to step up.
    await admin.page.getByRole('button', { name: 'Remove from viewer' }).click();
    await stepUp(admin.page, DEMO_USERS.admin.login);
    await admin.page.getByRole('button', { name: 'Remove from viewer' }).click();
    await admin.page.waitForURL((u) => u.searchParams.get('done') === 'group-removed');

    try {
      // The viewer's open page follows by itself (the live channel reloads it on a role change);
      // waiting for that first keeps the next click from racing the page's own reload.
      const denied = viewer.page.getByRole('heading', { name: /access|not allowed|forbidden|403/i }).first();
      // Without the live channel (a slow machine), the viewer's own reload is the next click.
      await denied.waitFor({ timeout: 15_000 }).catch(async () => {
        await viewer.page.reload();
        await denied.waitFor();
      });
      // The viewer clicks on: the session is still theirs, the role is gone.
      const response = await viewer.page.goto(`${APP_URL}/dashboards`);
      assert.equal(response?.status(), 403);
      const me = await viewer.page.request.get(`${APP_URL}/api/me`);
      assert.equal(me.status(), 403, 'still signed in, with no role');
    } finally {
      // Put the demo viewer back, as the other browser tests (and people) expect them.
      await fetch(`${IDP_URL}/api/v1/groups/${DEMO_GROUP_IDS.viewer}/users/${DEMO_USERS.viewer.id}`, { method: 'PUT', headers: { authorization: `SSWS ${DEMO_API_TOKEN}` } });
      await viewer.context.close();
      await admin.context.close();
    }
  });
});
