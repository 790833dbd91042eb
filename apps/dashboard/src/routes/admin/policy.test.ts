// The admin policy table and the adminAction primitive: every state-changing admin route is built
// from the table, and each step (permission, step-up, input, audit) holds for every one of them.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createHarness, form, SAME_ORIGIN, type Harness } from '../../testing/harness.ts';
import { adminActionHandlers } from './actions.ts';
import { ADMIN_ACTIONS } from './policy.ts';

const post = (h: Harness, path: string, cookie: string, fields: Record<string, string> = {}) =>
  h.request(path, { method: 'POST', cookie, headers: { ...SAME_ORIGIN, 'Content-Type': 'application/x-www-form-urlencoded' }, body: form(fields) });

/** Every state-changing admin route, with a path that reaches its handler. */
const ACTION_PATHS = [
  '/admin/users',
  '/admin/users/00uviewer00gatehouse/groups',
  '/admin/users/00uviewer00gatehouse/groups/00gviewer/remove',
  '/admin/users/00uviewer00gatehouse/deactivate',
  '/admin/users/00uviewer00gatehouse/suspend',
  '/admin/sessions/some-session/revoke',
  '/admin/users/00uviewer00gatehouse/sessions/revoke',
];

describe('admin policy table', () => {
  let h: Harness;
  before(async () => {
    h = await createHarness();
  });
  after(() => h.close());

  test('every POST route under /admin is built by adminAction from the policy table', () => {
    const posts = h.app.routes.filter((route) => route.method === 'POST' && route.path.startsWith('/admin'));
    assert.equal(posts.length, Object.keys(ADMIN_ACTIONS).length, posts.map((route) => route.path).join(', '));
    for (const route of posts) assert.ok(adminActionHandlers.has(route.handler as never), `${route.path} bypasses adminAction`);
    for (const [name, policy] of Object.entries(ADMIN_ACTIONS)) assert.equal(policy.stepUp, true, `${name} needs a step-up`);
  });

  test('a password-only admin session is sent to step up by every admin action, and nothing is recorded as done', async () => {
    const admin = await h.signIn('admin', { authAgeSeconds: 5, amr: ['pwd'] });
    for (const path of ACTION_PATHS) {
      const res = await post(h, path, admin.cookie, { groupId: '00gadmin', email: 'x@gatehouse.test', firstName: 'X', lastName: 'Y' });
      assert.equal(res.status, 302, path);
      const location = new URL(res.headers.get('location') ?? '', 'http://x');
      assert.equal(location.pathname, '/auth/login', path);
      assert.equal(location.searchParams.get('acr_values'), 'urn:okta:loa:2fa:any', path);
      assert.equal(location.searchParams.get('max_age'), '300', path);
    }
    assert.deepEqual(await h.deps.audit.query({ type: 'admin.action' }), []);
  });

  test('a viewer gets 403 from every admin action', async () => {
    const viewer = await h.signIn('viewer', { authAgeSeconds: 5, amr: ['pwd', 'otp', 'mfa'] });
    for (const path of ACTION_PATHS) assert.equal((await post(h, path, viewer.cookie)).status, 403, path);
  });

  test('an admin whose Okta sign-in met only ifpossible (no factor enrolled) is told to enroll one', async () => {
    const { cookie } = await signInWithClaims(h, { acr: 'urn:okta:loa:2fa:any:ifpossible', amr: ['pwd'] });
    for (const path of ACTION_PATHS) await assertEnrollPage(await post(h, path, cookie));
    await assertEnrollPage(await h.request('/admin/users/00uviewer00gatehouse/sessions/revoke', { cookie }));
  });
});

async function assertEnrollPage(res: Response): Promise<void> {
  assert.equal(res.status, 403);
  assert.match(await res.text(), /Enroll a second factor first/);
}

/** A real admin session with the given claims, made through the auth core's session manager. */
async function signInWithClaims(h: Harness, claims: Record<string, unknown>): Promise<{ cookie: string }> {
  const { token } = await h.auth.sessions.create({
    user: { sub: '00uadmin00gatehouse', email: 'admin@gatehouse.test', name: 'Ada Admin', groups: ['admin'] },
    roles: ['admin'],
    claims: { auth_time: Math.floor(Date.now() / 1000) - 5, ...claims },
    tokens: { idToken: 'test-id-token', accessToken: 'test-access-token', refreshToken: null },
    accessTokenExpiresAt: Date.now() + 3_600_000,
    userAgent: null,
    ip: null,
  });
  return { cookie: `${h.config.session.cookieName}=${token}` };
}

describe('STEP_UP_MFA=if-enrolled (the documented opt-out)', () => {
  let h: Harness;
  before(async () => {
    h = await createHarness({ env: { STEP_UP_MFA: 'if-enrolled' } });
  });
  after(() => h.close());

  test('asks Okta for ifpossible, accepts its no-factor result, and every admin page warns about it', async () => {
    const stale = await h.signIn('admin', { authAgeSeconds: 3600, amr: ['pwd'] });
    const res = await post(h, '/admin/sessions/whatever/revoke', stale.cookie);
    assert.equal(new URL(res.headers.get('location') ?? '', 'http://x').searchParams.get('acr_values'), 'urn:okta:loa:2fa:any:ifpossible');
    const { cookie } = await signInWithClaims(h, { acr: 'urn:okta:loa:2fa:any:ifpossible', amr: ['pwd'] });
    assert.equal((await post(h, '/admin/sessions/whatever/revoke', cookie)).status, 303);
    assert.ok(h.logs.some((line) => line.includes('"level":40') && line.includes('STEP_UP_MFA=if-enrolled')), 'a warning in the log at start');
    for (const page of ['/admin', '/admin/sessions', '/admin/health', '/admin/audit', '/admin/roles']) {
      assert.match(await (await h.request(page, { cookie })).text(), /STEP_UP_MFA=if-enrolled is set/, page);
    }
  });
});
