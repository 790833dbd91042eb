/**
 * The read side of apps and authorization servers through `@okta/okta-sdk-nodejs`, as a client
 * of real Okta reads them; and the provider behaving as those settings say (unknown scopes
 * refused, a grant the access policy does not allow unavailable).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Client } from '@okta/okta-sdk-nodejs';
import * as oidc from 'openid-client';
import { DEMO_API_TOKEN, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_GROUP_IDS, DEMO_USERS } from '../directory/demo.ts';
import { loadSeed } from '../directory/seed.ts';
import { startEmulator, type Emulator } from '../server.ts';

async function collect<T>(collection: AsyncIterable<T | null>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of collection) if (item) items.push(item);
  return items;
}

describe('apps and authorization servers, read through the Okta SDK', () => {
  let emulator: Emulator;
  let client: Client;
  before(async () => {
    emulator = await startEmulator();
    client = new Client({ orgUrl: emulator.url, token: DEMO_API_TOKEN, cacheMiddleware: null });
  });
  after(() => emulator.close());

  test('the OIDC app: id is the client id, redirect URIs, grants, PKCE, no secret', async () => {
    const app = (await client.applicationApi.getApplication({ appId: DEMO_CLIENT_ID })) as unknown as Record<string, any>;
    assert.equal(app.id, DEMO_CLIENT_ID);
    assert.equal(app.signOnMode, 'OPENID_CONNECT');
    assert.equal(app.credentials.oauthClient.pkce_required, true);
    assert.deepEqual(app.settings.oauthClient.grant_types, ['authorization_code', 'refresh_token']);
    assert.ok(app.settings.oauthClient.redirect_uris.includes('http://localhost:3000/auth/callback'));
    assert.ok(app.settings.oauthClient.post_logout_redirect_uris.includes('http://localhost:3000/'));
    assert.ok(!JSON.stringify(app).includes(DEMO_CLIENT_SECRET));
    const groups = await collect(await client.applicationApi.listApplicationGroupAssignments({ appId: DEMO_CLIENT_ID }));
    assert.deepEqual(groups.map((group) => group.id).sort(), [DEMO_GROUP_IDS.admin, DEMO_GROUP_IDS.viewer].sort());
  });

  test('the default server: audience, the groups claim for both tokens, scopes, the default policy and rule', async () => {
    const server = await client.authorizationServerApi.getAuthorizationServer({ authServerId: 'default' });
    assert.deepEqual(server.audiences, ['api://default']);
    assert.equal(server.issuer, emulator.issuer);
    const claims = await collect(await client.authorizationServerApi.listOAuth2Claims({ authServerId: 'default' }));
    assert.deepEqual(claims.map((claim) => [claim.name, claim.claimType, claim.valueType, claim.group_filter_type, claim.value]), [
      ['groups', 'IDENTITY', 'GROUPS', 'REGEX', '.*'],
      ['groups', 'RESOURCE', 'GROUPS', 'REGEX', '.*'],
    ]);
    const scopes = await collect(await client.authorizationServerApi.listOAuth2Scopes({ authServerId: 'default' }));
    assert.ok(scopes.some((scope) => scope.name === 'groups' && scope.system === false));
    const policies = await collect(await client.authorizationServerApi.listAuthorizationServerPolicies({ authServerId: 'default' }));
    assert.deepEqual(policies.map((policy) => [policy.name, policy.conditions?.clients?.include]), [['Default Policy', ['ALL_CLIENTS']]]);
    const rules = await collect(await client.authorizationServerApi.listAuthorizationServerPolicyRules({ authServerId: 'default', policyId: policies[0]?.id ?? '' }));
    assert.equal(rules[0]?.name, 'Default Policy Rule');
    assert.ok(rules[0]?.conditions?.grantTypes?.include?.includes('refresh_token'));
    assert.equal(rules[0]?.actions?.token?.refreshTokenLifetimeMinutes, 7 * 24 * 60);
  });

  test('app users: each assigned user individually (USER) or through an assigned group (GROUP), as the SDK reads them', async () => {
    const users = await collect(await client.applicationApi.listApplicationUsers({ appId: DEMO_CLIENT_ID }));
    const byLogin = Object.fromEntries(users.map((user) => [user.credentials?.userName, [user.id, user.scope, (user._links as Record<string, { name?: string }> | undefined)?.['group']?.name ?? null]]));
    assert.deepEqual(byLogin, {
      [DEMO_USERS.admin.login]: [DEMO_USERS.admin.id, 'GROUP', 'admin'],
      [DEMO_USERS.viewer.login]: [DEMO_USERS.viewer.id, 'GROUP', 'viewer'],
      [DEMO_USERS.norole.login]: [DEMO_USERS.norole.id, 'USER', null],
    });
    const one = await client.applicationApi.getApplicationUser({ appId: DEMO_CLIENT_ID, userId: DEMO_USERS.norole.id });
    assert.equal(one.scope, 'USER');
    const unassigned = await fetch(`${emulator.url}/api/v1/apps/${DEMO_CLIENT_ID}/users/00u0000000000000none`, { headers: { Authorization: `SSWS ${DEMO_API_TOKEN}` } });
    assert.equal(unassigned.status, 404);
    assert.equal(((await unassigned.json()) as { errorCode: string }).errorCode, 'E0000007');
  });

  test('unknown ids answer 404 E0000007', async () => {
    for (const path of ['/api/v1/apps/0oa1nosuchapp0000000', '/api/v1/authorizationServers/aus1nosuchserver', '/api/v1/authorizationServers/default/policies/00pnosuch/rules']) {
      const response = await fetch(`${emulator.url}${path}`, { headers: { Authorization: `SSWS ${DEMO_API_TOKEN}` } });
      assert.equal(response.status, 404, path);
      assert.equal(((await response.json()) as { errorCode: string }).errorCode, 'E0000007');
    }
  });
});

describe('the provider follows the server settings', () => {
  let emulator: Emulator;
  let configuration: oidc.Configuration;
  before(async () => {
    const seed = loadSeed();
    seed.authorizationServer = {
      ...seed.authorizationServer,
      scopes: ['openid', 'profile', 'email', 'offline_access'],
      accessPolicies: [{ name: 'Gatehouse', clients: [DEMO_CLIENT_ID], rules: [{ name: 'Code only', grantTypes: ['authorization_code'] }] }],
    };
    emulator = await startEmulator({ seed });
    configuration = await oidc.discovery(new URL(emulator.issuer), DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, undefined, { execute: [oidc.allowInsecureRequests] });
  });
  after(() => emulator.close());

  test('a scope the server does not define is refused as invalid_scope, back at the registered redirect URI', async () => {
    const url = oidc.buildAuthorizationUrl(configuration, {
      redirect_uri: 'http://localhost:3000/auth/callback',
      scope: 'openid groups',
      state: 'xyz',
      code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()),
      code_challenge_method: 'S256',
    });
    const response = await fetch(url, { redirect: 'manual' });
    const location = new URL(response.headers.get('location') ?? '');
    assert.equal(`${location.origin}${location.pathname}`, 'http://localhost:3000/auth/callback');
    assert.equal(location.searchParams.get('error'), 'invalid_scope');
    assert.equal(location.searchParams.get('state'), 'xyz');
    assert.equal(location.searchParams.get('iss'), emulator.issuer);
    const unregistered = await fetch(url.href.replace(encodeURIComponent('localhost:3000'), encodeURIComponent('evil.example')), { redirect: 'manual' });
    assert.ok(!(unregistered.headers.get('location') ?? '').includes('evil.example'), 'never redirects to an unregistered URI');
  });

  test('a refresh grant no rule of the app\'s policy allows is refused', async () => {
    await assert.rejects(oidc.refreshTokenGrant(configuration, 'anything'), (error: unknown) => { assert.ok(error instanceof oidc.ResponseBodyError); assert.match(error.error_description ?? '', /grant type is not allowed for this client/); return true; });
  });
});
