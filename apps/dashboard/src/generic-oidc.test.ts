// Gatehouse against an OpenID provider that is not Okta: a plain oidc-provider set up like a
// Keycloak realm (issuer with a path, /protocol/openid-connect/* endpoints, roles in the nested
// realm_access.roles claim, no end-session endpoint), signed into through the dashboard's own
// routes. Roles come from GATEHOUSE_GROUPS_CLAIM, sign-out ends the session here and says the
// provider's session may remain, and the Okta-only user management says why it is off.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createHarness, SAME_ORIGIN, type Harness } from './testing/harness.ts';
import { startKeycloakRealm, type KeycloakRealm } from './testing/keycloak-realm.ts';

const CLIENT = { clientId: 'gatehouse', clientSecret: 'keycloak-client-secret-for-tests' };
const USERS = {
  admin: { username: 'ada', password: 'Realm-pass-1', sub: '3f1c0d2e-aaaa-4bbb-8ccc-000000000001', email: 'ada@acme.test', name: 'Ada Admin', roles: ['gatehouse-admin', 'offline_access', 'uma_authorization'] },
  viewer: { username: 'vic', password: 'Realm-pass-2', sub: '3f1c0d2e-aaaa-4bbb-8ccc-000000000002', email: 'vic@acme.test', name: 'Vic Viewer', roles: ['gatehouse-viewer'] },
  norole: { username: 'nora', password: 'Realm-pass-3', sub: '3f1c0d2e-aaaa-4bbb-8ccc-000000000003', email: 'nora@acme.test', name: 'Nora None', roles: ['offline_access'] },
};

describe('any OpenID provider: a Keycloak-shaped realm', () => {
  let realm: KeycloakRealm;
  let h: Harness;

  before(async () => {
    realm = await startKeycloakRealm({ ...CLIENT, redirectUri: 'http://localhost:3000/auth/callback', users: Object.values(USERS) });
    h = await createHarness({
      env: {
        OKTA_ISSUER: realm.issuer,
        OKTA_CLIENT_ID: CLIENT.clientId,
        OKTA_CLIENT_SECRET: CLIENT.clientSecret,
        OKTA_SCOPES: 'openid profile email roles',
        OKTA_AUDIENCE: 'account',
        GATEHOUSE_GROUPS_CLAIM: 'realm_access.roles',
        GATEHOUSE_ADMIN_GROUPS: 'gatehouse-admin',
        GATEHOUSE_VIEWER_GROUPS: 'gatehouse-viewer',
      },
    });
  });
  after(async () => {
    await h?.close();
    await realm?.close();
  });

  /** `/auth/login` → the realm's form → `/auth/callback`; returns the session cookie, or null when the realm refused. */
  async function signIn(user: (typeof USERS)[keyof typeof USERS], password = user.password): Promise<{ cookie: string; landing: string } | null> {
    const login = await h.request('/auth/login?returnTo=/profile');
    assert.equal(login.status, 302);
    const authorization = new URL(login.headers.get('location')!);
    assert.equal(authorization.origin + authorization.pathname, `${realm.issuer}/protocol/openid-connect/auth`, 'discovery found the realm’s own endpoint');
    const txCookie = login.headers.getSetCookie().map((line) => line.split(';')[0]).join('; ');
    const callback = await realm.signIn(authorization.href, user.username, password);
    if (!callback) return null;
    const response = await h.request(`${callback.pathname}${callback.search}`, { cookie: txCookie });
    assert.equal(response.status, 302, await response.clone().text());
    const session = response.headers.getSetCookie().find((line) => line.startsWith('gatehouse='));
    assert.ok(session, 'a session cookie');
    return { cookie: session.split(';')[0]!, landing: response.headers.get('location')! };
  }

  test('the issuer has a path and the endpoints are not Okta’s: the config calls it a generic provider', () => {
    assert.match(realm.issuer, /\/realms\/acme$/);
    assert.equal(h.config.okta.kind, 'oidc');
  });

  test('an admin by realm role signs in and reaches the admin panel, which says why user management is off', async () => {
    const signedIn = await signIn(USERS.admin);
    assert.ok(signedIn);
    assert.equal(signedIn.landing, '/profile');
    const profile = await (await h.request('/profile', { cookie: signedIn.cookie })).text();
    assert.match(profile, /Ada Admin/);
    assert.match(profile, /gatehouse-admin/);
    const admin = await h.request('/admin', { cookie: signedIn.cookie });
    assert.equal(admin.status, 200);
    const page = await admin.text();
    assert.match(page, /not Okta/);
    assert.match(page, /realms\/acme/);
    const users = await h.request('/admin/users', { cookie: signedIn.cookie });
    assert.ok(users.status < 500);
    assert.match(await users.text(), /not Okta/);
  });

  test('a viewer gets the dashboards and a 403 at the admin panel; a user without a mapped role gets nothing', async () => {
    const viewer = await signIn(USERS.viewer);
    assert.ok(viewer);
    assert.equal((await h.request('/dashboards', { cookie: viewer.cookie })).status, 200);
    assert.equal((await h.request('/admin', { cookie: viewer.cookie })).status, 403);
    const api = await (await h.request('/api/me', { cookie: viewer.cookie })).json() as { roles: string[]; groups: string[] };
    assert.deepEqual(api.roles, ['viewer']);
    assert.deepEqual(api.groups, ['gatehouse-viewer']);

    const none = await signIn(USERS.norole);
    assert.ok(none);
    assert.equal((await h.request('/dashboards', { cookie: none.cookie })).status, 403);
  });

  test('a wrong password at the realm creates no session', async () => {
    const before = await h.deps.sessions.count();
    assert.equal(await signIn(USERS.viewer, 'wrong-password'), null);
    assert.equal(await h.deps.sessions.count(), before);
  });

  test('sign-out without an end-session endpoint ends the session here and says the provider’s session may remain', async () => {
    const signedIn = await signIn(USERS.viewer);
    assert.ok(signedIn);
    const response = await h.request('/auth/logout', { method: 'POST', cookie: signedIn.cookie, headers: SAME_ORIGIN });
    assert.equal(response.status, 200);
    const page = await response.text();
    assert.match(page, /signed out of Gatehouse/);
    const message = /<h1[^>]*>[^<]*<\/h1><p>([^<]*)<\/p>/.exec(page)?.[1] ?? '';
    assert.match(message, /identity provider does not offer signing out from here .*may still be active/);
    assert.doesNotMatch(message, /Okta/);
    assert.doesNotMatch(page, /Error 200/);
    assert.ok(response.headers.getSetCookie().some((line) => line.startsWith('gatehouse=;')));
    const after = await h.request('/dashboards', { cookie: signedIn.cookie });
    assert.equal(after.status, 302, 'the old cookie no longer signs anyone in');
  });
});
