/// <reference path="../../../okta-emulator/src/provider/oidc-provider.d.ts" />
/**
 * The whole relying party against the real Okta emulator over HTTP, no browser: sign-in, roles,
 * several tabs, replay, state and browser-binding failures, IdP errors, refresh (also under
 * concurrency), group removal at refresh, bearer tokens, logout and its CSRF protection.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { after, before, describe, test } from 'node:test';
import { DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_GROUP_IDS, DEMO_USERS, startEmulator, type Emulator } from '@gatehouse/okta-emulator';
import { completeSignIn, CookieJar } from '@gatehouse/okta-emulator/testing';
import type { Auth } from '../auth.ts';
import { AuthError } from '../errors.ts';
import type { MemoryAuditLog, MemorySessionStore } from '../stores/memory.ts';
import { LONG_SESSIONS, testAuth, testConfig, tokenCountingFetch } from '../testing/auth.ts';
import { appRequest, beginLogin, finishLogin } from '../testing/flow.ts';

let emulator: Emulator;
let dataDir: string;
before(async () => {
  dataDir = mkdtempSync(`${tmpdir()}/gh-`);
  emulator = await startEmulator({ port: 0, dataDir });
});
after(async () => {
  await emulator.close();
  rmSync(dataDir, { recursive: true, force: true });
});

interface Harness {
  auth: Auth;
  store: MemorySessionStore;
  audit: MemoryAuditLog;
  /** Token endpoint requests seen, by grant type. */
  tokenRequests: Record<string, number>;
  /** Milliseconds added to the core's clock (to make tokens due for refresh). */
  clock: { offset: number };
}

async function harness(): Promise<Harness> {
  const config = testConfig(emulator.issuer, { OKTA_CLIENT_ID: DEMO_CLIENT_ID, OKTA_CLIENT_SECRET: DEMO_CLIENT_SECRET, ...LONG_SESSIONS });
  const tokenRequests: Record<string, number> = {};
  const clock = { offset: 0 };
  const { auth, store, audit } = await testAuth(config, { fetch: tokenCountingFetch(tokenRequests), now: () => Date.now() + clock.offset });
  return { auth, store, audit, tokenRequests, clock };
}

type DemoUser = (typeof DEMO_USERS)[keyof typeof DEMO_USERS];

/** Signs `user` in through the emulator's hosted pages; returns the app's cookie jar and callback response. */
async function signIn(auth: Auth, user: DemoUser, path?: string): Promise<{ jar: CookieJar; response: Response }> {
  const jar = new CookieJar();
  const authorizationUrl = await beginLogin(auth, jar, path);
  const done = await completeSignIn(authorizationUrl, { username: user.login, password: user.password });
  return { jar, response: await finishLogin(auth, jar, done.callbackUrl.href) };
}

describe('sign-in against the emulator', () => {
  test('full sign-in → session cookie → authenticate (admin)', async () => {
    const { auth, audit } = await harness();
    const { jar, response } = await signIn(auth, DEMO_USERS.admin);
    assert.equal(response.status, 302);
    assert.equal(response.headers.get('location'), '/dashboards');
    const cookie = response.headers.getSetCookie().find((line) => line.startsWith('gatehouse='));
    assert.match(cookie ?? '', /HttpOnly/i);
    assert.match(cookie ?? '', /SameSite=Lax/i);

    const state = await auth.authenticate(appRequest(auth, '/dashboards', jar));
    assert.equal(state.isAuthenticated, true);
    assert.equal(state.via, 'session');
    assert.equal(state.user?.sub, DEMO_USERS.admin.id);
    assert.equal(state.user?.email, DEMO_USERS.admin.login);
    assert.deepEqual(state.user?.groups, ['admin']);
    assert.deepEqual(state.roles, ['admin']);
    assert.ok(state.permissions.includes('users:manage'));
    assert.equal(typeof state.claims.auth_time, 'number');

    const [succeeded] = await audit.query({ type: 'signin.succeeded' });
    assert.equal(succeeded?.sub, DEMO_USERS.admin.id);
    const serialized = JSON.stringify(await audit.query());
    assert.doesNotMatch(serialized, new RegExp(jar.get('gatehouse')!.split('.')[1]!), 'no session secret in the audit log');
  });

  test('roles: viewer gets viewer, norole gets nothing', async () => {
    const { auth } = await harness();
    const viewer = await signIn(auth, DEMO_USERS.viewer);
    const viewerState = await auth.authenticate(appRequest(auth, '/', viewer.jar));
    assert.deepEqual(viewerState.roles, ['viewer']);
    assert.deepEqual(viewerState.permissions, ['dashboards:read', 'profile:read']);

    const norole = await signIn(auth, DEMO_USERS.norole);
    assert.equal(norole.response.status, 302);
    const noroleState = await auth.authenticate(appRequest(auth, '/', norole.jar));
    assert.equal(noroleState.isAuthenticated, true);
    assert.deepEqual(noroleState.roles, []);
    assert.deepEqual(noroleState.permissions, []);
  });

  test('several tabs signing in at once each succeed', async () => {
    const { auth, store } = await harness();
    const jar = new CookieJar();
    const first = await beginLogin(auth, jar, '/auth/login?returnTo=%2Fdashboards');
    const second = await beginLogin(auth, jar, '/auth/login?returnTo=%2Fprofile');
    const [a, b] = await Promise.all([
      completeSignIn(first, { username: DEMO_USERS.viewer.login, password: DEMO_USERS.viewer.password }),
      completeSignIn(second, { username: DEMO_USERS.viewer.login, password: DEMO_USERS.viewer.password }),
    ]);
    const responseB = await finishLogin(auth, jar, b.callbackUrl.href);
    const responseA = await finishLogin(auth, jar, a.callbackUrl.href);
    assert.equal(responseB.status, 302);
    assert.equal(responseB.headers.get('location'), '/profile');
    assert.equal(responseA.status, 302);
    assert.equal(responseA.headers.get('location'), '/dashboards');
    // The second sign-in in the same browser replaced the first session.
    assert.equal(await store.count(), 1);
  });

  test('a replayed callback is refused without a second token request', async () => {
    const { auth, store, tokenRequests } = await harness();
    const jar = new CookieJar();
    const authorizationUrl = await beginLogin(auth, jar);
    const done = await completeSignIn(authorizationUrl, { username: DEMO_USERS.admin.login, password: DEMO_USERS.admin.password });
    assert.equal((await finishLogin(auth, jar, done.callbackUrl.href)).status, 302);
    assert.equal(tokenRequests['authorization_code'], 1);

    const replay = await finishLogin(auth, jar, done.callbackUrl.href);
    assert.equal(replay.status, 400);
    assert.match(await replay.text(), /AUTH_TRANSACTION_NOT_FOUND/);
    assert.equal(tokenRequests['authorization_code'], 1, 'no second token request');
    assert.equal(await store.count(), 1);
  });

  test('wrong or missing state → 4xx, no token request, no session', async () => {
    const { auth, store, tokenRequests, audit } = await harness();
    const jar = new CookieJar();
    const authorizationUrl = await beginLogin(auth, jar);
    const done = await completeSignIn(authorizationUrl, { username: DEMO_USERS.admin.login, password: DEMO_USERS.admin.password });

    const wrong = new URL(done.callbackUrl);
    wrong.searchParams.set('state', 'forged-state-value');
    const wrongResponse = await finishLogin(auth, jar, wrong.href);
    assert.equal(wrongResponse.status, 400);
    assert.match(await wrongResponse.text(), /AUTH_TRANSACTION_NOT_FOUND/);

    const missing = new URL(done.callbackUrl);
    missing.searchParams.delete('state');
    const missingResponse = await finishLogin(auth, jar, missing.href);
    assert.equal(missingResponse.status, 400);
    assert.match(await missingResponse.text(), /AUTH_STATE_MISMATCH/);

    assert.equal(tokenRequests['authorization_code'], undefined);
    assert.equal(await store.count(), 0);
    const reasons = (await audit.query({ type: 'signin.failed' })).map((event) => event.reason);
    assert.deepEqual(reasons.sort(), ['auth_transaction_not_found', 'state_missing']);
  });

  test('browser-binding cookie missing → AUTH_BROWSER_MISMATCH', async () => {
    const { auth, store, tokenRequests } = await harness();
    const jar = new CookieJar();
    const authorizationUrl = await beginLogin(auth, jar);
    const done = await completeSignIn(authorizationUrl, { username: DEMO_USERS.admin.login, password: DEMO_USERS.admin.password });
    jar.delete('gatehouse_tx');
    const response = await finishLogin(auth, jar, done.callbackUrl.href);
    assert.equal(response.status, 400);
    assert.match(await response.text(), /AUTH_BROWSER_MISMATCH/);
    assert.equal(tokenRequests['authorization_code'], undefined);
    assert.equal(await store.count(), 0);
  });

  test('wrong nonce (the IdP signed another nonce) → AUTH_NONCE_MISMATCH', async () => {
    const { auth, store } = await harness();
    const jar = new CookieJar();
    const authorizationUrl = new URL(await beginLogin(auth, jar));
    authorizationUrl.searchParams.set('nonce', 'a-nonce-this-browser-never-sent');
    const done = await completeSignIn(authorizationUrl, { username: DEMO_USERS.admin.login, password: DEMO_USERS.admin.password });
    const response = await finishLogin(auth, jar, done.callbackUrl.href);
    assert.equal(response.status, 400);
    assert.match(await response.text(), /AUTH_NONCE_MISMATCH/);
    assert.equal(await store.count(), 0);
  });

  test('an IdP error becomes a friendly, escaped 4xx page with "Try again"', async () => {
    const { auth, store, audit } = await harness();
    const jar = new CookieJar();
    const authorizationUrl = new URL(await beginLogin(auth, jar, '/auth/login?returnTo=%2Fadmin'));
    const callback = new URL(auth.config.redirectUri);
    callback.searchParams.set('error', 'invalid_scope');
    callback.searchParams.set('error_description', '<script>alert(1)</script>');
    callback.searchParams.set('state', authorizationUrl.searchParams.get('state')!);
    callback.searchParams.set('iss', emulator.issuer);
    const response = await finishLogin(auth, jar, callback.href);
    assert.equal(response.status, 400);
    const html = await response.text();
    assert.ok(!html.includes('<script>alert(1)</script>'), 'the description is not injected as markup');
    assert.match(html, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
    assert.match(html, /AUTH_IDP_ERROR/);
    assert.match(html, /href="\/auth\/login\?returnTo=%2Fadmin"/);
    assert.equal(await store.count(), 0);
    const [failed] = await audit.query({ type: 'signin.failed' });
    assert.equal(failed?.reason, 'idp_invalid_scope');
  });

  test('redirect_uri comes from config, never from Host or X-Forwarded-Host', async () => {
    const { auth } = await harness();
    const response = await auth.login(new Request('http://evil.example/auth/login', { headers: { 'x-forwarded-host': 'evil.example', host: 'evil.example' } }));
    assert.equal(response.status, 302);
    const location = new URL(response.headers.get('location')!);
    assert.equal(location.searchParams.get('redirect_uri'), 'http://localhost:3000/auth/callback');
    assert.equal(location.searchParams.get('code_challenge_method'), 'S256');
    assert.equal(location.searchParams.get('scope'), 'openid profile email groups offline_access');
  });
});

describe('step-up against the emulator', () => {
  test('stepUpUrl → IdP asks for the second factor → the new session carries fresh auth_time and amr mfa', async () => {
    const { auth } = await harness();
    const first = await signIn(auth, DEMO_USERS.admin);
    const before = await auth.authenticate(appRequest(auth, '/', first.jar));
    assert.ok(!(before.claims.amr ?? []).includes('mfa'));

    const stepUp = auth.stepUpUrl('/admin/users', { maxAgeSeconds: 300, mfa: true });
    const authorizationUrl = await beginLogin(auth, first.jar, stepUp);
    const done = await completeSignIn(authorizationUrl, { username: DEMO_USERS.admin.login, password: DEMO_USERS.admin.password, totpSecret: DEMO_USERS.admin.totpSecret });
    assert.ok(done.steps.includes('totp'), 'the emulator asked for the second factor');
    const response = await finishLogin(auth, first.jar, done.callbackUrl.href);
    assert.equal(response.status, 302, await response.clone().text());
    assert.equal(response.headers.get('location'), '/admin/users');
    const after = await auth.authenticate(appRequest(auth, '/', first.jar));
    assert.ok(after.claims.amr?.includes('mfa'));
    assert.ok(typeof after.claims.auth_time === 'number' && Date.now() / 1000 - after.claims.auth_time < 60);
  });
});

describe('refresh against the emulator', () => {
  test('10 concurrent requests with a due access token → exactly one token request', async () => {
    const { auth, store, tokenRequests, clock, audit } = await harness();
    const { jar } = await signIn(auth, DEMO_USERS.admin);
    const [before] = await store.list();
    assert.ok(before);
    // 30 s before expiry: inside the 60 s refresh margin.
    clock.offset = before.accessTokenExpiresAt - Date.now() - 30_000;

    const states = await Promise.all(Array.from({ length: 10 }, () => auth.authenticate(appRequest(auth, '/dashboards', jar))));
    assert.ok(states.every((state) => state.isAuthenticated && state.roles.includes('admin')));
    assert.equal(tokenRequests['refresh_token'], 1);

    const [after] = await store.list();
    assert.ok(after && after.accessTokenExpiresAt > before.accessTokenExpiresAt, 'new expiry stored');
    const oldTokens = await auth.sessions.readTokens(before);
    const newTokens = await auth.sessions.readTokens(after);
    assert.notEqual(newTokens.accessToken, oldTokens.accessToken);
    assert.ok(newTokens.refreshToken, 'a refresh token is kept');
    assert.equal((await audit.query({ type: 'refresh.succeeded' })).length, 1);

    // Not due any more: no further token request.
    await auth.authenticate(appRequest(auth, '/dashboards', jar));
    assert.equal(tokenRequests['refresh_token'], 1);
  });

  test('10 concurrent forced refreshes of one session share one token request', async () => {
    const { auth, store, tokenRequests } = await harness();
    await signIn(auth, DEMO_USERS.viewer);
    const [session] = await store.list();
    const results = await Promise.all(Array.from({ length: 10 }, () => auth.ensureFreshTokens(session!, { force: true })));
    assert.equal(tokenRequests['refresh_token'], 1);
    assert.ok(results.every((result) => result?.accessTokenExpiresAt === results[0]?.accessTokenExpiresAt));
  });

  test('a group removed in Okta takes effect at the next refresh', async (t) => {
    const { auth, store } = await harness();
    const { jar } = await signIn(auth, DEMO_USERS.viewer);
    assert.deepEqual((await auth.authenticate(appRequest(auth, '/', jar))).roles, ['viewer']);
    emulator.directory.removeUserFromGroup(DEMO_GROUP_IDS.viewer, DEMO_USERS.viewer.id);
    t.after(() => emulator.directory.addUserToGroup(DEMO_GROUP_IDS.viewer, DEMO_USERS.viewer.id));
    const [session] = await store.list();
    const refreshed = await auth.ensureFreshTokens(session!, { force: true });
    assert.deepEqual(refreshed?.roles, []);
    assert.deepEqual(refreshed?.user.groups, []);
    assert.deepEqual((await auth.authenticate(appRequest(auth, '/', jar))).roles, []);
  });

  test('a revoked refresh token (invalid_grant) ends the session', async () => {
    const { auth, store, audit } = await harness();
    const { jar } = await signIn(auth, DEMO_USERS.admin);
    const [session] = await store.list();
    const tokens = await auth.sessions.readTokens(session!);
    const revoked = await fetch(`${emulator.issuer}/v1/revoke`, {
      method: 'POST',
      headers: { authorization: `Basic ${btoa(`${DEMO_CLIENT_ID}:${DEMO_CLIENT_SECRET}`)}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: tokens.refreshToken!, token_type_hint: 'refresh_token' }),
    });
    assert.equal(revoked.status, 200);
    assert.equal(await auth.ensureFreshTokens(session!, { force: true }), null);
    assert.equal(await store.count(), 0);
    assert.equal((await auth.authenticate(appRequest(auth, '/', jar))).isAuthenticated, false);
    const [failed] = await audit.query({ type: 'refresh.failed' });
    assert.equal(failed?.reason, 'invalid_grant');
  });
});

describe('bearer access tokens from the emulator', () => {
  test('a real access token authenticates /api calls; a tampered one is refused', async () => {
    const { auth, store } = await harness();
    await signIn(auth, DEMO_USERS.admin);
    const [session] = await store.list();
    const { accessToken } = await auth.sessions.readTokens(session!);
    const state = await auth.authenticateBearer(new Request('http://localhost:3000/api/me', { headers: { authorization: `Bearer ${accessToken}` } }));
    assert.equal(state?.via, 'bearer');
    assert.equal(state?.isAuthenticated, true);
    assert.equal(state?.user?.sub, DEMO_USERS.admin.id);

    const [header, payload, signature] = accessToken.split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString('utf8')) as Record<string, unknown>;
    const forged = `${header}.${Buffer.from(JSON.stringify({ ...claims, scp: ['openid', 'admin'] })).toString('base64url')}.${signature}`;
    await assert.rejects(
      auth.authenticateBearer(new Request('http://localhost:3000/api/me', { headers: { authorization: `Bearer ${forged}` } })),
      (err: unknown) => err instanceof AuthError && err.code === 'AUTH_ACCESS_TOKEN_INVALID',
    );
    assert.equal(await auth.authenticateBearer(new Request('http://localhost:3000/api/me')), null);
  });
});

describe('logout against the emulator', () => {
  test('POST from our origin: session destroyed first, 303 to /v1/logout with id_token_hint', async () => {
    const { auth, store, audit } = await harness();
    const { jar } = await signIn(auth, DEMO_USERS.admin);
    const [session] = await store.list();
    const { idToken } = await auth.sessions.readTokens(session!);
    const response = await auth.logout(appRequest(auth, '/auth/logout', jar, { method: 'POST', headers: { origin: 'http://localhost:3000' } }));
    assert.equal(response.status, 303);
    const location = new URL(response.headers.get('location')!);
    assert.equal(`${location.origin}${location.pathname}`, `${emulator.issuer}/v1/logout`);
    assert.equal(location.searchParams.get('id_token_hint'), idToken);
    assert.equal(location.searchParams.get('post_logout_redirect_uri'), 'http://localhost:3000/');
    assert.ok(location.searchParams.get('state'));
    assert.ok(response.headers.getSetCookie().some((line) => /^gatehouse=;/.test(line) && /Max-Age=0/i.test(line)));
    assert.equal(await store.count(), 0);
    assert.equal((await auth.authenticate(appRequest(auth, '/', jar))).isAuthenticated, false);
    assert.equal((await audit.query({ type: 'signout', result: 'success' })).length, 1);

    // The emulator accepts the request and returns to our post-logout URI.
    const idp = await fetch(location, { redirect: 'manual' });
    assert.ok(idp.status === 302 || idp.status === 303, `emulator answered ${idp.status}`);
  });

  test('cross-site POST is refused with 403 and the session survives', async () => {
    const { auth, store, audit } = await harness();
    const { jar } = await signIn(auth, DEMO_USERS.admin);
    for (const headers of [{ origin: 'https://evil.example' }, { 'sec-fetch-site': 'cross-site' }, {} as Record<string, string>, { origin: 'null' }]) {
      const response = await auth.logout(appRequest(auth, '/auth/logout', jar, { method: 'POST', headers }));
      assert.equal(response.status, 403, JSON.stringify(headers));
      assert.match(await response.text(), /AUTH_CSRF/);
    }
    assert.equal(await store.count(), 1);
    assert.equal((await audit.query({ type: 'signout', result: 'failure' }))[0]?.reason, 'auth_csrf');
    const sameSite = await auth.logout(appRequest(auth, '/auth/logout', jar, { method: 'POST', headers: { 'sec-fetch-site': 'same-origin' } }));
    assert.equal(sameSite.status, 303);
  });

  test('GET /auth/logout → 405 with an explanation', async () => {
    const { auth, store } = await harness();
    const { jar } = await signIn(auth, DEMO_USERS.viewer);
    const response = await auth.logout(appRequest(auth, '/auth/logout', jar));
    assert.equal(response.status, 405);
    assert.equal(response.headers.get('allow'), 'POST');
    assert.match(await response.text(), /POST/);
    assert.equal(await store.count(), 1);
  });
});
