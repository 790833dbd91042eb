// The friendly sign-in failure pages (the app's renderError) through the real auth flow and emulator.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createHarness, type Harness } from '../testing/harness.ts';

describe('sign-in error pages', () => {
  let h: Harness;
  before(async () => {
    h = await createHarness({ emulator: true });
  });
  after(() => h.close());

  /** Starts a sign-in like a browser; returns its state and the cookies it set. */
  async function startSignIn(): Promise<{ state: string; cookie: string }> {
    const res = await h.request('/auth/login?returnTo=%2Fdashboards');
    assert.equal(res.status, 302);
    const state = new URL(res.headers.get('location')!).searchParams.get('state');
    assert.ok(state);
    const cookie = res.headers.getSetCookie().map((line) => line.split(';')[0]).join('; ');
    return { state, cookie };
  }

  function assertFriendly(html: string): void {
    assert.match(html, /<link rel="stylesheet" href="\/static\/app.css"\/>/);
    assert.match(html, /class="status-page card"/);
    assert.match(html, />Try again<\/a>/);
    assert.doesNotMatch(html, /\n\s+at /);
  }

  test('a callback nobody started: "start again" page with Try again', async () => {
    const res = await h.request('/auth/callback?code=abc&state=def');
    assert.equal(res.status, 400);
    assert.equal(res.headers.get('cache-control'), 'no-store');
    assertFriendly(await res.text());
  });

  test('the IdP refused (access_denied): its own page with Try again', async () => {
    const { state, cookie } = await startSignIn();
    const res = await h.request(`/auth/callback?error=access_denied&error_description=User+is+not+assigned&state=${state}&iss=${encodeURIComponent(h.config.okta.issuer)}`, { cookie });
    assert.equal(res.status, 403);
    const html = await res.text();
    assertFriendly(html);
    assert.match(html, /The identity provider refused the sign-in/);
    assert.match(html, /User is not assigned/);
  });

  test('cookies blocked (the browser that returns is not the one that started): explains and offers Try again', async () => {
    const { state } = await startSignIn();
    const res = await h.request(`/auth/callback?code=abc&state=${state}`);
    assert.ok(res.status >= 400 && res.status < 500);
    const html = await res.text();
    assertFriendly(html);
    assert.match(html, /cookie/i);
  });
});
