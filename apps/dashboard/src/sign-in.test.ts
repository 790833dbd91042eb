// The whole sign-in lifecycle through the app's own routes and the real Okta emulator, without a
// browser: deep link → /auth/login → hosted sign-in → /auth/callback → back on the deep link.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DEMO_GROUP_IDS, DEMO_USERS } from '@gatehouse/okta-emulator';
import { completeSignIn, signInThroughApp } from '@gatehouse/okta-emulator/testing';
import { createHarness, SAME_ORIGIN, type Harness } from './testing/harness.ts';


describe('sign-in lifecycle (app + emulator)', () => {
  let h: Harness;
  before(async () => {
    h = await createHarness({ emulator: true });
  });
  after(() => h.close());

  /** Follows the app's redirects through the emulator like a browser, from a deep link; returns the session cookie and landing path. */
  async function signInFrom(path: string, user: { login: string; password: string; totpSecret: string }, options: { totp?: boolean; cookie?: string } = {}) {
    const deepLink = await h.request(path, options.cookie ? { cookie: options.cookie } : {});
    assert.equal(deepLink.status, 302);
    const get = (target: string, cookie: string) => h.request(target, { cookie });
    return signInThroughApp(get, deepLink.headers.get('location')!, user, { ...options, cookieName: h.config.session.cookieName });
  }

  test('a deep link while signed out → sign-in → back on the deep link, with the viewer role', async () => {
    const { cookie, landing } = await signInFrom('/dashboards?year=2014', DEMO_USERS.viewer);
    assert.equal(landing, '/dashboards?year=2014');
    const page = await h.request(landing, { cookie });
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<option value="2014" selected="">/);
    const me = await (await h.request('/api/me', { cookie })).json() as { roles: string[]; email: string };
    assert.deepEqual(me.roles, ['viewer']);
    assert.equal(me.email, 'viewer@gatehouse.test');
  });

  test('the sign-in shows up in the audit log, the dashboards and the admin sessions list', async () => {
    const { cookie: admin } = await signInFrom('/admin', DEMO_USERS.admin);
    const [event] = await h.deps.audit.query({ type: 'signin.succeeded', email: 'admin@gatehouse.test', limit: 1 });
    assert.equal(event?.result, 'success');
    const sessions = await (await h.request('/admin/sessions', { cookie: admin })).text();
    assert.match(sessions, /viewer@gatehouse\.test/);
    assert.match(sessions, /admin@gatehouse\.test/);
  });

  test('step-up: an admin without MFA is sent through the IdP for the TOTP code, then sees the confirm page', async () => {
    const { cookie } = await signInFrom('/admin', DEMO_USERS.admin);
    const confirmPath = `/admin/users/${DEMO_USERS.viewer.id}/sessions/revoke`;
    const { cookie: stepped, landing, steps } = await signInFrom(confirmPath, DEMO_USERS.admin, { totp: true, cookie });
    assert.ok(steps.includes('totp'), `steps: ${steps.join(',')}`);
    assert.equal(landing, confirmPath);
    const confirm = await h.request(confirmPath, { cookie: stepped });
    assert.equal(confirm.status, 200);
    const revoke = await h.request(confirmPath, { method: 'POST', cookie: stepped, headers: { ...SAME_ORIGIN, 'Content-Type': 'application/x-www-form-urlencoded' }, body: '' });
    assert.equal(revoke.status, 303);
    assert.deepEqual(await h.deps.sessions.list({ sub: DEMO_USERS.viewer.id }), []);
  });

  test('step-up for an admin with no factor enrolled demands MFA: they are told to enroll one and cannot act', async () => {
    // Regression: step-up asked Okta for 2fa:any:ifpossible, which a factorless admin meets with a
    // password alone — so a password-only session could create such an admin and act through it.
    const created = h.emulator!.directory.createUser({
      profile: { login: 'nofactor.admin@gatehouse.test', email: 'nofactor.admin@gatehouse.test', firstName: 'Noel', lastName: 'Factorless' },
      password: 'Factorless-admin-9',
      activate: true,
      groupIds: [DEMO_GROUP_IDS.admin],
    });
    const person = { ...DEMO_USERS.admin, id: created.id, login: 'nofactor.admin@gatehouse.test', password: 'Factorless-admin-9' };
    const { cookie } = await signInFrom('/admin', person);
    await h.auth.sessions.create({ user: { sub: DEMO_USERS.norole.id, email: DEMO_USERS.norole.login, name: null, groups: [] }, roles: [], claims: {}, tokens: { idToken: 'x', accessToken: 'x', refreshToken: null }, accessTokenExpiresAt: Date.now() + 3_600_000, userAgent: null, ip: null });
    const confirmPath = `/admin/users/${DEMO_USERS.norole.id}/sessions/revoke`;
    const revoke = () => h.request(confirmPath, { method: 'POST', cookie, headers: { ...SAME_ORIGIN, 'Content-Type': 'application/x-www-form-urlencoded' }, body: '' });

    const deepLink = await h.request(confirmPath, { cookie });
    assert.equal(deepLink.status, 302);
    const login = await h.request(deepLink.headers.get('location')!, { cookie });
    const authorize = new URL(login.headers.get('location')!);
    assert.equal(authorize.searchParams.get('acr_values'), 'urn:okta:loa:2fa:any');
    await assert.rejects(
      completeSignIn(authorize.href, { username: person.login, password: person.password }),
      (err: Error) => /none enrolled[\s\S]*[Ee]nroll/.test(err.message),
    );
    assert.equal((await revoke()).status, 302, 'the action still asks for a step-up');
    assert.ok((await h.deps.sessions.list({ sub: DEMO_USERS.norole.id })).length > 0, 'the target keeps their sessions');
  });

  test('sign-out is a POST that ends the session here', async () => {
    const { cookie } = await signInFrom('/dashboards', DEMO_USERS.viewer);
    const out = await h.request('/auth/logout', { method: 'POST', cookie, headers: { ...SAME_ORIGIN, 'Content-Type': 'application/x-www-form-urlencoded' }, body: '' });
    assert.ok(out.status === 302 || out.status === 303, String(out.status));
    assert.equal((await h.request('/api/me', { cookie })).status, 401);
  });
});
