import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createHarness, type Harness } from '../../testing/harness.ts';

describe('/profile', () => {
  let h: Harness;
  before(async () => {
    h = await createHarness();
  });
  after(() => h.close());

  test('shows claims, groups, roles, permissions, session start and expiry, and amr — never a token', async () => {
    const { cookie, session, token } = await h.signIn('viewer', { amr: ['pwd', 'otp', 'mfa'] });
    const res = await h.request('/profile', { cookie });
    assert.equal(res.status, 200);
    const html = await res.text();
    assert.match(html, /viewer@gatehouse\.test/);
    assert.match(html, /<code>00uviewer00gatehouse<\/code>/);
    assert.match(html, /<dt>Groups<\/dt><dd>viewer<\/dd>/);
    assert.match(html, /<dt>Role<\/dt><dd>Viewer<\/dd>/);
    assert.match(html, /<code>dashboards:read<\/code>/);
    assert.doesNotMatch(html, /<code>users:manage<\/code>/);
    assert.match(html, /password, one-time code, multi-factor/);
    assert.match(html, new RegExp(`<dt>Started</dt><dd>${new Date(session.createdAt).toISOString().slice(0, 16).replace('T', ' ')} UTC</dd>`));
    assert.match(html, /Expires if idle/);
    assert.match(html, /<code>auth_time<\/code>/);
    assert.ok(!html.includes(token), 'the session token is not on the page');
    assert.ok(!html.includes('test-access-token') && !html.includes('test-id-token'), 'nor the OIDC tokens');
  });
});
