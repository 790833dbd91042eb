/**
 * The Hono adapter through `app.request()`: the named middleware, `/auth/*` routes, and the guards
 * (302 for pages, 401 JSON for APIs, 403 AccessDeniedError, step-up redirects), with sessions made
 * by a real sign-in against the fake provider.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { Auth } from '../auth.ts';
import type { MemoryAuditLog } from '../stores/memory.ts';
import { FAKE_CLIENT, testAuth, testConfig } from '../testing/auth.ts';
import { startFakeProvider, type FakeProvider, type TokenPlan } from '../testing/fake-provider.ts';
import { CookieJar } from '@gatehouse/okta-emulator/testing';
import { AccessDeniedError, authRoutes, gatehouse, requirePermission, requireRecentAuth, requireRole, requireSession, type AuthEnv } from './index.ts';

let fake: FakeProvider;
let auth: Auth;
let audit: MemoryAuditLog;
let app: Hono<AuthEnv>;

before(async () => {
  fake = await startFakeProvider(FAKE_CLIENT);
  ({ auth, audit } = await testAuth(testConfig(fake.issuer)));

  app = new Hono<AuthEnv>();
  app.use(gatehouse(auth));
  app.route('/auth', authRoutes(auth));
  app.get('/dashboards', (c) => {
    const state = requirePermission(c, 'dashboards:read');
    return c.text(`dashboards for ${state.user.email}`);
  });
  app.get('/admin', (c) => {
    requireRole(c, 'admin');
    return c.text('admin panel');
  });
  app.get('/admin/danger', (c) => {
    const mfa = c.req.query('mfa');
    requireRecentAuth(c, { maxAgeSeconds: 300, mfa: mfa === 'if-enrolled' ? 'if-enrolled' : mfa === '1' });
    return c.text('confirmed');
  });
  app.get('/api/me', (c) => {
    const state = requireSession(c);
    return c.json({ sub: state.user.sub, roles: state.roles, via: state.via });
  });
  app.get('/api/admin', (c) => {
    requireRole(c, ['admin']);
    return c.json({ ok: true });
  });
  app.onError((err, c) => {
    if (err instanceof AccessDeniedError) return c.json({ page: '403', needed: err.needed, groupsThatGrant: err.groupsThatGrant }, 403);
    if (err instanceof HTTPException) return err.getResponse();
    return c.text('unexpected', 500);
  });
});
after(async () => {
  await fake.close();
});

/** Signs in through the app's own routes; returns the browser's cookie jar. */
async function signIn(groups: string[] | undefined, plan: TokenPlan = {}): Promise<CookieJar> {
  const jar = new CookieJar();
  const login = await app.request('http://localhost:3000/auth/login?returnTo=%2Fdashboards');
  assert.equal(login.status, 302);
  jar.store(login);
  fake.plan(plan);
  const callback = new URL(fake.authorize(login.headers.get('location')!, { groups }));
  const done = await app.request(`http://localhost:3000${callback.pathname}${callback.search}`, { headers: { cookie: jar.header() } });
  assert.equal(done.status, 302, await done.clone().text());
  jar.store(done);
  return jar;
}

const get = (path: string, jar?: CookieJar, headers: Record<string, string> = {}) =>
  app.request(`http://localhost:3000${path}`, { headers: { ...(jar ? { cookie: jar.header() } : {}), ...headers } });

describe('Hono adapter', () => {
  test('the middleware factory returns a named function', () => {
    assert.equal(gatehouse(auth).name, 'gatehouseAuth');
  });

  test('requireSession: a page redirects to sign-in and comes back; an API answers 401 JSON', async () => {
    const page = await get('/dashboards?tab=2');
    assert.equal(page.status, 302);
    assert.equal(page.headers.get('location'), '/auth/login?returnTo=%2Fdashboards%3Ftab%3D2');

    const api = await get('/api/me');
    assert.equal(api.status, 401);
    assert.deepEqual(((await api.json()) as { error: { code: string } }).error.code, 'AUTH_UNAUTHENTICATED');

    const json = await get('/dashboards', undefined, { accept: 'application/json' });
    assert.equal(json.status, 401);
  });

  test('signed in: pages and /api/me see c.var.caller', async () => {
    const jar = await signIn(['viewer']);
    const page = await get('/dashboards', jar);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /dashboards for 00ufakeuser0000000001@fake.test/);
    const me = await get('/api/me', jar);
    assert.deepEqual(await me.json(), { sub: '00ufakeuser0000000001', roles: ['viewer'], via: 'session' });
  });

  test('requireRole: a viewer gets AccessDeniedError (403) naming what grants access; audited', async () => {
    const jar = await signIn(['viewer']);
    const response = await get('/admin', jar);
    assert.equal(response.status, 403);
    assert.deepEqual(await response.json(), { page: '403', needed: { roles: ['admin'] }, groupsThatGrant: ['admin'] });
    const [denied] = await audit.query({ type: 'access.denied' });
    assert.equal(denied?.reason, 'role_missing');
    assert.equal(denied?.detail?.['path'], '/admin');
  });

  test('requirePermission: no role (groups claim missing) → 403 listing the groups that grant it', async () => {
    const jar = await signIn(undefined);
    const response = await get('/dashboards', jar);
    assert.equal(response.status, 403);
    assert.deepEqual(await response.json(), { page: '403', needed: { permission: 'dashboards:read' }, groupsThatGrant: ['admin', 'viewer'] });
  });

  test('AccessDeniedError without an app onError still renders a 403 (JSON for APIs)', async () => {
    const bare = new Hono<AuthEnv>();
    bare.use(gatehouse(auth));
    bare.get('/api/admin', (c) => c.json(requireRole(c, 'admin').roles));
    const jar = await signIn(['viewer']);
    const response = await bare.request('http://localhost:3000/api/admin', { headers: { cookie: jar.header() } });
    assert.equal(response.status, 403);
    assert.equal(((await response.json()) as { error: { code: string } }).error.code, 'AUTH_ACCESS_DENIED');
  });

  test('admin passes requireRole', async () => {
    const jar = await signIn(['admin']);
    assert.equal((await get('/admin', jar)).status, 200);
    assert.equal((await get('/api/admin', jar)).status, 200);
  });

  test('requireRecentAuth: old auth_time → step-up redirect with max_age and prompt=login; fresh passes', async () => {
    const old = await signIn(['admin'], { claims: { auth_time: Math.floor(Date.now() / 1000) - 3600 } });
    const response = await get('/admin/danger', old);
    assert.equal(response.status, 302);
    const location = new URL(response.headers.get('location')!, 'http://localhost:3000');
    assert.equal(location.pathname, '/auth/login');
    assert.equal(location.searchParams.get('returnTo'), '/admin/danger');
    assert.equal(location.searchParams.get('max_age'), '300');
    assert.equal(location.searchParams.get('prompt'), 'login');
    assert.equal(location.searchParams.get('acr_values'), null);
    assert.equal((await audit.query({ type: 'stepup.required' }))[0]?.reason, 'auth_too_old');

    // Following the step-up link starts a login that asks the IdP for max_age and prompt=login.
    const login = await get(`${location.pathname}${location.search}`);
    const authorize = new URL(login.headers.get('location')!);
    assert.equal(authorize.searchParams.get('max_age'), '300');
    assert.equal(authorize.searchParams.get('prompt'), 'login');

    const fresh = await signIn(['admin']);
    assert.equal((await get('/admin/danger', fresh)).status, 200);
  });

  test('requireRecentAuth with mfa: amr without mfa → acr_values for 2FA; amr with mfa passes', async () => {
    const pwdOnly = await signIn(['admin']);
    const response = await get('/admin/danger?mfa=1', pwdOnly);
    assert.equal(response.status, 302);
    const location = new URL(response.headers.get('location')!, 'http://localhost:3000');
    assert.equal(location.searchParams.get('acr_values'), 'urn:okta:loa:2fa:any');
    assert.equal(location.searchParams.get('returnTo'), '/admin/danger?mfa=1');

    const mfa = await signIn(['admin'], { claims: { amr: ['pwd', 'mfa', 'otp'] } });
    assert.equal((await get('/admin/danger?mfa=1', mfa)).status, 200);
    // Regression: an `acr` claiming 2FA with a password-only `amr` passed as MFA.
    const acrOnly = await signIn(['admin'], { claims: { acr: 'urn:okta:loa:2fa:any', amr: ['pwd'] } });
    assert.equal((await get('/admin/danger?mfa=1', acrOnly)).status, 302);
    const key = await signIn(['admin'], { claims: { amr: ['pwd', 'hwk'] } });
    assert.equal((await get('/admin/danger?mfa=1', key)).status, 200);
  });

  test("requireRecentAuth with mfa 'if-enrolled': asks Okta for 2fa:any:ifpossible; passes on MFA or on the IdP meeting ifpossible", async () => {
    const pwdOnly = await signIn(['admin']);
    const response = await get('/admin/danger?mfa=if-enrolled', pwdOnly);
    assert.equal(response.status, 302);
    const location = new URL(response.headers.get('location')!, 'http://localhost:3000');
    assert.equal(location.searchParams.get('acr_values'), 'urn:okta:loa:2fa:any:ifpossible');

    // A user with no factor enrolled: the IdP reports the ifpossible context as met.
    const noFactor = await signIn(['admin'], { claims: { acr: 'urn:okta:loa:2fa:any:ifpossible', amr: ['pwd'] } });
    assert.equal((await get('/admin/danger?mfa=if-enrolled', noFactor)).status, 200);
    // …which is not enough where a second factor is required outright.
    assert.equal((await get('/admin/danger?mfa=1', noFactor)).status, 302);
    const mfa = await signIn(['admin'], { claims: { amr: ['pwd', 'mfa', 'otp'] } });
    assert.equal((await get('/admin/danger?mfa=if-enrolled', mfa)).status, 200);
  });

  test('bearer on /api/*: a bad token → 401 with WWW-Authenticate invalid_token', async () => {
    const response = await get('/api/me', undefined, { authorization: 'Bearer not.a-real.token' });
    assert.equal(response.status, 401);
    assert.match(response.headers.get('www-authenticate') ?? '', /^Bearer error="invalid_token"/);
    const malformed = await get('/api/me', undefined, { authorization: 'Basic Zm9vOmJhcg==' });
    assert.equal(malformed.status, 401);
  });

  test('/auth/logout: GET → 405, cross-site POST → 403, same-origin POST → 303 and signed out', async () => {
    const jar = await signIn(['viewer']);
    assert.equal((await get('/auth/logout', jar)).status, 405);
    const crossSite = await app.request('http://localhost:3000/auth/logout', { method: 'POST', headers: { cookie: jar.header(), origin: 'https://evil.example' } });
    assert.equal(crossSite.status, 403);
    assert.equal((await get('/api/me', jar)).status, 200);
    const response = await app.request('http://localhost:3000/auth/logout', { method: 'POST', headers: { cookie: jar.header(), origin: 'http://localhost:3000' } });
    assert.equal(response.status, 303);
    assert.ok(response.headers.get('location')!.startsWith(`${fake.issuer}/logout?`));
    jar.store(response);
    assert.equal((await get('/api/me', jar)).status, 401);
  });

  test('bad login parameters → 400 page, not a redirect', async () => {
    const response = await get('/auth/login?max_age=soon');
    assert.equal(response.status, 400);
    assert.match(await response.text(), /AUTH_BAD_REQUEST/);
  });
});
