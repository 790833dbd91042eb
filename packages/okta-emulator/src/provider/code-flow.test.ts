import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import * as client from 'openid-client';
import { DEMO_CLIENT_ID, DEMO_USERS } from '../directory/demo.ts';
import { startEmulator, type Emulator } from '../server.ts';
import { authorizeUrl, demoClient, demoSeed, jwtClaims, redeem } from '../testing/support.ts';
import { completeSignIn, signIn } from '../testing/index.ts';

const { admin, viewer } = DEMO_USERS;

describe('authorization code flow with PKCE (demo seed)', () => {
  let emulator: Emulator;
  let config: client.Configuration;
  before(async () => {
    emulator = await startEmulator();
    config = await demoClient(emulator);
  });
  after(() => emulator.close());

  it('issues Okta-shaped ID and access tokens that openid-client accepts', async () => {
    const signedIn = await signIn(emulator, { username: admin.login, password: admin.password, scope: 'openid profile email groups' });
    assert.deepEqual(signedIn.steps, ['password']);
    // RFC 9207: the authorization response names its issuer.
    assert.equal(signedIn.iss, emulator.issuer);

    const tokens = await redeem(config, signedIn);
    const id = tokens.claims();
    assert.ok(id);
    assert.equal(id.sub, admin.id);
    assert.match(id.sub, /^00u[0-9A-Za-z]{17}$/);
    assert.equal(id['name'], admin.name);
    assert.equal(id['email'], admin.login);
    assert.equal(id['preferred_username'], admin.login);
    assert.equal(id['idp'], emulator.directory.orgId);
    assert.equal(typeof id.auth_time, 'number');
    assert.deepEqual(id.amr, ['pwd']);
    assert.equal(id['acr'], 'urn:okta:loa:1fa:pwd');
    assert.deepEqual(id['groups'], ['admin']);

    const jwks = createRemoteJWKSet(new URL(`${emulator.issuer}/v1/keys`));
    const { payload, protectedHeader } = await jwtVerify(tokens.access_token, jwks, { issuer: emulator.issuer, audience: 'api://default' });
    // Okta's access-token header is { kid, alg }: no RFC 9068 `typ: at+jwt` for a client to come to rely on.
    assert.deepEqual(Object.keys(protectedHeader).sort(), ['alg', 'kid']);
    assert.equal(protectedHeader.alg, 'RS256');
    assert.equal(typeof protectedHeader.kid, 'string');
    assert.equal(payload.sub, admin.login);
    assert.equal(payload['cid'], DEMO_CLIENT_ID);
    assert.equal(payload['uid'], admin.id);
    assert.deepEqual(payload['scp'], ['openid', 'profile', 'email', 'groups']);
    assert.deepEqual(payload['groups'], ['admin']);
    assert.equal(payload['scope'], undefined);

    const userinfo = await client.fetchUserInfo(config, tokens.access_token, admin.id);
    assert.equal(userinfo['preferred_username'], admin.login);
    assert.deepEqual(userinfo['groups'], ['admin']);
  });

  it('introspects and revokes its JWT access tokens like Okta', async () => {
    const tokens = await redeem(config, await signIn(emulator, { username: admin.login, password: admin.password }));
    const active = await client.tokenIntrospection(config, tokens.access_token);
    assert.equal(active.active, true);
    assert.equal(active.client_id, DEMO_CLIENT_ID);
    assert.equal(active.aud, 'api://default');
    await client.tokenRevocation(config, tokens.access_token);
    assert.equal((await client.tokenIntrospection(config, tokens.access_token)).active, false);
    await assert.rejects(client.fetchUserInfo(config, tokens.access_token, admin.id));
  });

  it('leaves the groups claim out unless the groups scope is asked for', async () => {
    const tokens = await redeem(config, await signIn(emulator, { username: viewer.login, password: viewer.password }));
    assert.equal(tokens.claims()?.['groups'], undefined);
    assert.equal(jwtClaims(tokens.access_token)['groups'], undefined);
  });

  it('signs a user with a live session in without asking again (single sign-on)', async () => {
    const first = await signIn(emulator, { username: viewer.login, password: viewer.password });
    const second = await signIn(emulator, { jar: first.jar });
    assert.deepEqual(second.steps, []);
    assert.equal((await redeem(config, second)).claims()?.sub, viewer.id);
  });

  it('accepts redirect URIs added at run time, matched exactly', async () => {
    emulator.addRedirectUris(DEMO_CLIENT_ID, { redirectUris: ['http://127.0.0.1:45678/auth/callback'] });
    const signedIn = await signIn(emulator, { username: viewer.login, password: viewer.password, redirectUri: 'http://127.0.0.1:45678/auth/callback' });
    assert.equal(signedIn.callbackUrl.origin, 'http://127.0.0.1:45678');
    await assert.rejects(signIn(emulator, { jar: signedIn.jar, redirectUri: 'http://127.0.0.1:45679/auth/callback' }), /HTTP 400/);
    assert.throws(() => emulator.addRedirectUris('0oanobody', { redirectUris: ['http://localhost/'] }), TypeError);
  });

  it('refuses an authorization request without PKCE', async () => {
    const url = authorizeUrl(emulator, { state: 'state-1', nonce: 'nonce-1' });
    const { callbackUrl, steps } = await completeSignIn(url);
    assert.deepEqual(steps, []);
    assert.equal(callbackUrl.searchParams.get('error'), 'invalid_request');
    assert.match(callbackUrl.searchParams.get('error_description') ?? '', /PKCE/);
    assert.equal(callbackUrl.searchParams.get('state'), 'state-1');
    assert.equal(callbackUrl.searchParams.get('iss'), emulator.issuer);
  });

  it('refuses the plain PKCE method', async () => {
    const url = authorizeUrl(emulator, { state: 'state-2', code_challenge: 'a'.repeat(43), code_challenge_method: 'plain' });
    const { callbackUrl } = await completeSignIn(url);
    assert.equal(callbackUrl.searchParams.get('error'), 'invalid_request');
  });

  it('refuses a code redeemed with the wrong PKCE verifier', async () => {
    const signedIn = await signIn(emulator, { username: admin.login, password: admin.password });
    await assert.rejects(redeem(config, { ...signedIn, codeVerifier: 'x'.repeat(43) }), (error: Error & { error?: string }) => {
      assert.equal(error.error, 'invalid_grant');
      return true;
    });
  });
});

/** The demo seed where the admin is also in 150 `team-NNN` groups and `app-gatehouse-ops`. */
function manyGroupsSeed(groupsClaim?: { enabled: boolean; name: string; filterRegex: string; maxGroups: number }) {
  return demoSeed((seed) => {
    const extra = [...Array.from({ length: 150 }, (_, i) => `team-${String(i).padStart(3, '0')}`), 'app-gatehouse-ops'];
    seed.groups.push(...extra.map((name) => ({ name })));
    const user = seed.users.find((candidate) => candidate.profile.login === admin.login);
    assert.ok(user);
    user.groups = [...(user.groups ?? []), ...extra];
    if (groupsClaim) seed.authorizationServer = { ...seed.authorizationServer, groupsClaim };
  });
}

describe('groups claim filter', () => {
  let emulator: Emulator;
  before(async () => {
    emulator = await startEmulator({ seed: manyGroupsSeed({ enabled: true, name: 'groups', filterRegex: '(admin|app-.*)', maxGroups: 100 }) });
  });
  after(() => emulator.close());

  it('releases only the groups whose whole name matches the regex', async () => {
    const config = await demoClient(emulator);
    const tokens = await redeem(config, await signIn(emulator, { username: admin.login, password: admin.password, scope: 'openid groups' }));
    assert.deepEqual([...(tokens.claims()?.['groups'] as string[])].sort(), ['admin', 'app-gatehouse-ops']);
  });
});

describe('groups claim cap', () => {
  let emulator: Emulator;
  before(async () => {
    emulator = await startEmulator({ seed: manyGroupsSeed() });
  });
  after(() => emulator.close());

  it('cuts the claim at maxGroups (default 100)', async () => {
    assert.equal(emulator.directory.authorizationServer.groupsClaim.maxGroups, 100);
    assert.equal(emulator.directory.groupsOfUser(admin.id).length, 152);
    const config = await demoClient(emulator);
    const tokens = await redeem(config, await signIn(emulator, { username: admin.login, password: admin.password, scope: 'openid groups' }));
    assert.equal((tokens.claims()?.['groups'] as string[]).length, 100);
    assert.equal((jwtClaims(tokens.access_token)['groups'] as string[]).length, 100);
  });
});
