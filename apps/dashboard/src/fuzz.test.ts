// Bad input never produces a 5xx, a stack trace or a secret: every route answered with odd
// paths, methods, query strings, bodies and cookies (against the real emulator, so /auth/* works).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createHarness, SAME_ORIGIN, type Harness } from './testing/harness.ts';

const PATHS = [
  '/',
  '/dashboards',
  '/dashboards?days[]=7&year=2012&year=2013&weather=%00',
  '/dashboards?year=2012%27%20OR%201=1--',
  '/admin',
  '/admin/',
  '/admin/sessions?page=0',
  '/admin/sessions?page=99999999999999999999',
  '/admin/sessions?page=2&user=%3Cscript%3E',
  '/admin/sessions/%3Cscript%3E/revoke',
  '/admin/sessions/..%2F..%2Fetc/revoke',
  '/admin/audit?before=1e999&user=' + 'x'.repeat(500),
  '/admin/audit?type=constructor&result=__proto__',
  '/admin/users?q=' + 'a'.repeat(300),
  '/admin/users?q=%E0%A4%A',
  '/admin/users/00unosuchuser0000000',
  '/admin/users/%2e%2e',
  '/admin/users/new',
  '/admin/users/00uviewer00gatehouse/deactivate',
  '/admin/users/00uviewer00gatehouse/suspend',
  '/admin/users/%3Cscript%3E/suspend',
  '/admin/users/00uviewer00gatehouse/sessions/revoke',
  '/admin/users/00uviewer00gatehouse/groups/00gviewer00gatehouse/remove',
  '/admin/health?x=1',
  '/admin/roles/extra',
  '/profile?claims=all',
  '/api',
  '/api/me?x=%ff',
  '/api/../admin',
  '/auth/login?returnTo=https://evil.example',
  '/auth/login?returnTo=//evil.example/x',
  '/auth/login?returnTo=%2F%2Fevil',
  '/auth/callback',
  '/auth/callback?code=abc&state=def',
  '/auth/callback?error=access_denied&error_description=%3Cb%3Eno%3C%2Fb%3E&state=x',
  '/auth/logout',
  '/healthz?x',
  '/metrics/extra',
  '/static/../../etc/passwd',
  '/static/app.css?v=%00',
  '/%00',
  '/%zz',
  '//evil.example',
  '/' + 'deep/'.repeat(200),
  '/favicon.ico',
  '/.env',
  '/index.php?cmd=ls',
];

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'];

describe('odd requests never yield a 5xx', () => {
  let h: Harness;
  let cookies: Array<[string, string | undefined]>;
  before(async () => {
    // Thousands of requests in a minute, many reaching Okta's API: neither our /auth/* limit nor the
    // emulator's Management API budget is what this test is about (a spent Okta budget is a 503 by design).
    h = await createHarness({ emulator: true, emulatorRateLimitPerMinute: 100_000, authRateLimit: { limit: 100_000, windowMs: 60_000 } });
    const name = h.config.session.cookieName;
    cookies = [
      ['none', undefined],
      ['garbage', `${name}=garbage`],
      ['dots', `${name}=...`],
      ['percent', `${name}=%`],
      ['huge', `${name}=${'A'.repeat(4000)}.${'B'.repeat(4000)}`],
      ['duplicate', `${name}=a.b; ${name}=c.d`],
      ['unicode', `${name}=é.ü`],
      ['viewer', (await h.signIn('viewer')).cookie],
      ['norole', (await h.signIn('norole')).cookie],
      ['admin', (await h.signIn('admin', { authAgeSeconds: 5, amr: ['mfa'] })).cookie],
    ];
  });
  after(() => h.close());

  test('every path × method × cookie answers below 500 without a stack trace', async () => {
    const failures: string[] = [];
    for (const path of PATHS) {
      for (const method of METHODS) {
        for (const [label, cookie] of cookies) {
          // Unsafe methods from a same-origin page, so they reach the handlers (not just the CSRF check).
          const headers: Record<string, string> = method === 'GET' || method === 'HEAD' ? {} : { ...SAME_ORIGIN, 'Content-Type': 'application/x-www-form-urlencoded' };
          const init = { method, headers, ...(cookie ? { cookie } : {}), ...(method === 'GET' || method === 'HEAD' ? {} : { body: 'groupId=%zz&email=%&&&=' }) };
          let res: Response;
          try {
            res = await h.request(path, init);
          } catch (err) {
            failures.push(`${method} ${path} [${label}] threw ${(err as Error).message}`);
            continue;
          }
          const body = method === 'HEAD' ? '' : await res.text();
          if (res.status >= 500) failures.push(`${method} ${path} [${label}] → ${res.status}`);
          if (/\n\s+at .+:\d+:\d+/.test(body)) failures.push(`${method} ${path} [${label}] shows a stack trace`);
          if (body.includes('test-session-secret') || body.includes('test-access-token')) failures.push(`${method} ${path} [${label}] leaks a secret`);
        }
      }
    }
    assert.deepEqual(failures, []);
  });

  test('odd bodies on admin actions are 4xx', async () => {
    const admin = (await h.signIn('admin', { authAgeSeconds: 5, amr: ['mfa'] })).cookie;
    const bodies: Array<[string, string]> = [
      ['multipart/form-data; boundary=x', '--x\r\nbroken'],
      ['multipart/form-data', 'no boundary'],
      ['application/x-www-form-urlencoded', '%%%'],
      ['text/plain', 'hello'],
      ['application/x-www-form-urlencoded', `email=${'a'.repeat(70_000)}`],
    ];
    for (const [type, body] of bodies) {
      for (const path of ['/admin/users', '/admin/users/00uviewer00gatehouse/groups']) {
        const res = await h.request(path, { method: 'POST', cookie: admin, headers: { ...SAME_ORIGIN, 'Content-Type': type }, body });
        assert.ok(res.status >= 400 && res.status < 500, `${type} ${path} → ${res.status}`);
      }
    }
  });

  test('no log line carries a cookie value, token, code or secret', () => {
    const joined = h.logs.join('\n');
    assert.ok(!joined.includes('A'.repeat(100)), 'cookie value');
    assert.ok(!joined.includes('test-session-secret'), 'session secret');
    assert.ok(!joined.includes('code=abc'), 'authorization code');
    assert.ok(!joined.includes('gatehouse-demo-secret'), 'client secret');
    assert.ok(!joined.includes('00gatehouse-demo-api-token'), 'API token');
  });
});
