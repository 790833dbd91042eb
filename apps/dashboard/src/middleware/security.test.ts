import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Hono } from 'hono';
import { secureHeaders } from 'hono/secure-headers';
import { loadConfig } from '@gatehouse/auth/config';
import { createHarness, SAME_ORIGIN, type Harness } from '../testing/harness.ts';
import { securityHeaders } from './security.ts';

describe('security headers', () => {
  let h: Harness;
  before(async () => {
    h = await createHarness();
  });
  after(() => h.close());

  test('every response carries the CSP, Referrer-Policy and X-Content-Type-Options; no HSTS on http', async () => {
    const admin = await h.signIn('admin');
    const responses = [
      await h.request('/'),
      await h.request('/admin', { cookie: admin.cookie }),
      await h.request('/nope'),
      await h.request('/healthz'),
      await h.request('/static/app.css'),
      await h.request('/dashboards?year=1999', { cookie: admin.cookie }),
    ];
    for (const res of responses) {
      const csp = res.headers.get('content-security-policy') ?? '';
      assert.match(csp, /default-src 'self'/);
      assert.match(csp, /script-src 'self'(;|$)/);
      assert.match(csp, /connect-src 'self'(;|$)/, 'live streams and refreshes: our origin only');
      assert.doesNotMatch(csp, /unsafe-inline/);
      assert.match(csp, /frame-ancestors 'none'/);
      assert.match(csp, /form-action 'self' http:\/\/localhost:9000/);
      assert.equal(res.headers.get('referrer-policy'), 'strict-origin-when-cross-origin');
      assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
      assert.equal(res.headers.get('strict-transport-security'), null);
    }
  });

  test('signed-in pages and the API are never cached; the stylesheet may be', async () => {
    const viewer = await h.signIn('viewer');
    for (const path of ['/dashboards', '/profile', '/api/me']) {
      const res = await h.request(path, { cookie: viewer.cookie });
      assert.equal(res.status, 200, path);
      assert.equal(res.headers.get('cache-control'), 'no-store', path);
    }
    const css = await h.request('/static/app.css');
    assert.equal(css.headers.get('content-type'), 'text/css; charset=utf-8');
    assert.match(css.headers.get('cache-control') ?? '', /max-age/);
  });

  test('a cross-origin POST to an admin action is refused with the 403 page and changes nothing', async () => {
    const admin = await h.signIn('admin');
    const viewer = await h.signIn('viewer');
    const attempts: Record<string, string>[] = [
      { Origin: 'https://evil.example' },
      { Origin: 'https://evil.example', 'Sec-Fetch-Site': 'cross-site' },
      { 'Sec-Fetch-Site': 'cross-site' },
      {},
    ];
    for (const headers of attempts) {
      const res = await h.request(`/admin/sessions/${viewer.session.id}/revoke`, {
        method: 'POST',
        cookie: admin.cookie,
        headers: { ...headers, 'Content-Type': 'application/x-www-form-urlencoded' },
        body: '',
      });
      assert.equal(res.status, 403, JSON.stringify(headers));
      assert.match(await res.text(), /This form was not sent from Gatehouse/);
    }
    const json = await h.request(`/admin/sessions/${viewer.session.id}/revoke`, {
      method: 'POST',
      cookie: admin.cookie,
      headers: { Origin: 'https://evil.example', 'Content-Type': 'application/json' },
      body: '{}',
    });
    assert.equal(json.status, 403);
    assert.notEqual(await h.deps.sessions.get(viewer.session.id), null, 'the session must survive');
  });

  test('the same POST from our own origin is accepted', async () => {
    const admin = await h.signIn('admin', { authAgeSeconds: 5, amr: ['pwd', 'otp', 'mfa'] });
    const viewer = await h.signIn('viewer');
    const res = await h.request(`/admin/sessions/${viewer.session.id}/revoke`, {
      method: 'POST',
      cookie: admin.cookie,
      headers: { ...SAME_ORIGIN, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: '',
    });
    assert.equal(res.status, 303);
    assert.equal(await h.deps.sessions.get(viewer.session.id), null);
  });

  test('sign-out from another site is refused', async () => {
    const viewer = await h.signIn('viewer');
    const res = await h.request('/auth/logout', { method: 'POST', cookie: viewer.cookie, headers: { Origin: 'https://evil.example', 'Content-Type': 'application/x-www-form-urlencoded' }, body: '' });
    assert.equal(res.status, 403);
    assert.notEqual(await h.deps.sessions.get(viewer.session.id), null);
  });
});

describe('HSTS on https', () => {
  let h: Harness;
  before(async () => {
    h = await createHarness({ env: { APP_BASE_URL: 'https://gatehouse.example.com' } });
  });
  after(() => h.close());

  test('an https base URL adds Strict-Transport-Security', async () => {
    const res = await h.request('https://gatehouse.example.com/');
    assert.match(res.headers.get('strict-transport-security') ?? '', /max-age=31536000/);
  });
});

describe('security headers built once', () => {
  // The list is written out by hand so nothing is computed per request; it must stay what hono's
  // secureHeaders sets for the same policy, on http and on https.
  for (const appBaseUrl of ['http://localhost:3000', 'https://gatehouse.example.com']) {
    test(`the precomputed headers equal hono secureHeaders' for ${appBaseUrl}`, async () => {
      const config = loadConfig({ NODE_ENV: 'test', APP_BASE_URL: appBaseUrl, OKTA_ISSUER: 'http://localhost:9000/oauth2/default', OKTA_CLIENT_ID: 'c', OKTA_CLIENT_SECRET: 's', SESSION_SECRET: 'security-headers-Test-7q2Wx9Zr4Kp8Lm3Nv6Bj0' }, { envFile: false });
      const reference = new Hono();
      reference.use('*', secureHeaders({
        contentSecurityPolicy: {
          defaultSrc: ["'self'"], scriptSrc: ["'self'"], connectSrc: ["'self'"], styleSrc: ["'self'"], imgSrc: ["'self'", 'data:'],
          objectSrc: ["'none'"], baseUri: ["'none'"], frameAncestors: ["'none'"], formAction: ["'self'", 'http://localhost:9000'],
        },
        strictTransportSecurity: appBaseUrl.startsWith('https:') ? 'max-age=31536000' : false,
        referrerPolicy: 'strict-origin-when-cross-origin',
        xContentTypeOptions: true,
        xFrameOptions: 'DENY',
        crossOriginOpenerPolicy: 'same-origin',
        crossOriginResourcePolicy: 'same-origin',
      }));
      reference.get('/', (c) => c.text('ok', 200, { 'X-Powered-By': 'x', 'Referrer-Policy': 'no-referrer' }));
      const ours = new Hono();
      ours.use('*', securityHeaders(config));
      ours.get('/', (c) => c.text('ok', 200, { 'X-Powered-By': 'x', 'Referrer-Policy': 'no-referrer' }));
      const expected = Object.fromEntries((await reference.request('/')).headers);
      const actual = Object.fromEntries((await ours.request('/')).headers);
      assert.deepEqual(actual, { ...expected, 'cache-control': 'no-store' });
    });
  }

  test('a response with immutable headers (a redirect) still gets them', async () => {
    const config = loadConfig({ NODE_ENV: 'test', APP_BASE_URL: 'http://localhost:3000', OKTA_ISSUER: 'http://localhost:9000/oauth2/default', OKTA_CLIENT_ID: 'c', OKTA_CLIENT_SECRET: 's', SESSION_SECRET: 'security-headers-Test-7q2Wx9Zr4Kp8Lm3Nv6Bj0' }, { envFile: false });
    const app = new Hono();
    app.use('*', securityHeaders(config));
    app.get('/', () => Response.redirect('http://localhost:3000/elsewhere', 302));
    const res = await app.request('/');
    assert.equal(res.status, 302);
    assert.equal(res.headers.get('location'), 'http://localhost:3000/elsewhere');
    assert.equal(res.headers.get('x-frame-options'), 'DENY');
    assert.equal(res.headers.get('cache-control'), 'no-store');
  });
});
