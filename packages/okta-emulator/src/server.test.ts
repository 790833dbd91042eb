import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { after, before, describe, it } from 'node:test';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import * as client from 'openid-client';
import { DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_USERS } from './directory/demo.ts';
import { startEmulator, type Emulator } from './server.ts';
import { demoClient, demoSeed, jwtClaims, redeem } from './testing/support.ts';
import { signIn } from './testing/index.ts';

const { admin } = DEMO_USERS;
const SERVICE_APP = '0oaserviceapp0000001';

describe('discovery documents', () => {
  let emulator: Emulator;
  before(async () => {
    emulator = await startEmulator();
  });
  after(() => emulator.close());

  it('serves the default authorization server metadata with Okta endpoint shapes', async () => {
    for (const path of ['/.well-known/openid-configuration', '/.well-known/oauth-authorization-server']) {
      const response = await fetch(`${emulator.issuer}${path}`);
      assert.equal(response.status, 200);
      const metadata = (await response.json()) as Record<string, unknown>;
      assert.equal(metadata['issuer'], `${emulator.url}/oauth2/default`);
      for (const [field, endpoint] of Object.entries({
        authorization_endpoint: 'authorize',
        token_endpoint: 'token',
        jwks_uri: 'keys',
        userinfo_endpoint: 'userinfo',
        end_session_endpoint: 'logout',
        revocation_endpoint: 'revoke',
        introspection_endpoint: 'introspect',
      })) {
        assert.equal(metadata[field], `${emulator.issuer}/v1/${endpoint}`, field);
      }
      assert.equal(metadata['authorization_response_iss_parameter_supported'], true);
      assert.deepEqual(metadata['code_challenge_methods_supported'], ['S256']);
      assert.deepEqual(metadata['response_types_supported'], ['code']);
      assert.ok((metadata['scopes_supported'] as string[]).includes('groups'));
      assert.ok((metadata['acr_values_supported'] as string[]).includes('urn:okta:loa:2fa:any'));
    }
  });

  it('serves the org authorization server metadata at the org URL', async () => {
    for (const path of ['/.well-known/openid-configuration', '/.well-known/oauth-authorization-server']) {
      const response = await fetch(`${emulator.url}${path}`);
      assert.equal(response.status, 200);
      const metadata = (await response.json()) as Record<string, unknown>;
      assert.equal(metadata['issuer'], emulator.orgIssuer);
      assert.equal(metadata['token_endpoint'], `${emulator.url}/oauth2/v1/token`);
      assert.equal(metadata['jwks_uri'], `${emulator.url}/oauth2/v1/keys`);
      assert.ok((metadata['grant_types_supported'] as string[]).includes('client_credentials'));
      assert.ok((metadata['token_endpoint_auth_methods_supported'] as string[]).includes('private_key_jwt'));
      assert.ok((metadata['scopes_supported'] as string[]).includes('okta.users.read'));
    }
  });
});

describe('malformed requests get 4xx in Okta shapes', () => {
  let emulator: Emulator;
  before(async () => {
    emulator = await startEmulator();
  });
  after(() => emulator.close());

  const basic = `Basic ${Buffer.from(`${DEMO_CLIENT_ID}:${DEMO_CLIENT_SECRET}`).toString('base64')}`;

  it('token endpoint: OAuth error JSON', async () => {
    const form = (body: string, headers: Record<string, string> = {}) =>
      fetch(`${emulator.issuer}/v1/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body });
    const cases: Array<[string, Response, string]> = [
      ['no client authentication', await form('grant_type=authorization_code&code=x'), 'invalid_request'],
      ['wrong secret', await form('grant_type=authorization_code&code=x', { authorization: `Basic ${Buffer.from(`${DEMO_CLIENT_ID}:nope`).toString('base64')}` }), 'invalid_client'],
      ['unknown code', await form('grant_type=authorization_code&code=x&redirect_uri=http://localhost:3000/auth/callback&code_verifier=' + 'a'.repeat(43), { authorization: basic }), 'invalid_grant'],
      ['unsupported grant', await form('grant_type=password&username=a&password=b', { authorization: basic }), 'unsupported_grant_type'],
      ['garbage body', await form('%%%', { authorization: basic }), 'invalid_request'],
      ['JSON body', await fetch(`${emulator.issuer}/v1/token`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: basic }, body: '{"grant_type":' }), 'invalid_request'],
      ['oversized body', await form(`grant_type=refresh_token&refresh_token=${'a'.repeat(100_000)}`, { authorization: basic }), 'invalid_request'],
    ];
    for (const [name, response, error] of cases) {
      assert.ok(response.status >= 400 && response.status < 500, `${name}: HTTP ${response.status}`);
      const body = (await response.json()) as Record<string, unknown>;
      assert.equal(body['error'], error, name);
      assert.equal(typeof body['error_description'], 'string', name);
    }
  });

  it('authorization endpoint: an error page, never a redirect to an unregistered URI', async () => {
    const authorize = (params: Record<string, string>) =>
      fetch(`${emulator.issuer}/v1/authorize?${new URLSearchParams(params)}`, { redirect: 'manual' });
    const unknownClient = await authorize({ client_id: '0oanobody', response_type: 'code', redirect_uri: 'http://localhost:3000/auth/callback', scope: 'openid' });
    assert.equal(unknownClient.status, 400);
    assert.match(await unknownClient.text(), /<h1>Sign-in error<\/h1>/);
    const badRedirect = await authorize({ client_id: DEMO_CLIENT_ID, response_type: 'code', redirect_uri: 'https://evil.example/cb', scope: 'openid' });
    assert.equal(badRedirect.status, 400);
    assert.equal(badRedirect.headers.get('location'), null);
    const brokenQuery = await fetch(`${emulator.issuer}/v1/authorize?client_id=%E0%A4%A`, { redirect: 'manual' });
    assert.ok(brokenQuery.status >= 400 && brokenQuery.status < 500, `broken query: HTTP ${brokenQuery.status}`);
  });

  it('userinfo and introspection refuse missing credentials', async () => {
    const userinfo = await fetch(`${emulator.issuer}/v1/userinfo`);
    assert.equal(userinfo.status, 401);
    assert.match(userinfo.headers.get('www-authenticate') ?? '', /invalid_token|Bearer/);
    const badToken = await fetch(`${emulator.issuer}/v1/userinfo`, { headers: { authorization: 'Bearer a.b.c' } });
    assert.equal(badToken.status, 401);
    const introspect = await fetch(`${emulator.issuer}/v1/introspect`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'token=x' });
    assert.equal(introspect.status, 400);
    assert.equal(((await introspect.json()) as Record<string, unknown>)['error'], 'invalid_request');
  });

  it('unknown paths: 404 with errorCode and errorSummary', async () => {
    for (const path of ['/nope', '/oauth2/default/v2/token', '/oauth2/other/v1/keys']) {
      const response = await fetch(`${emulator.url}${path}`);
      assert.equal(response.status, 404, path);
      const body = (await response.json()) as Record<string, unknown>;
      assert.equal(body['errorCode'], 'E0000007', path);
      assert.equal(typeof body['errorSummary'], 'string', path);
    }
  });
});

describe('org authorization server: Management API service tokens', () => {
  let emulator: Emulator;
  let privateKey: CryptoKey;
  before(async () => {
    const pair = await generateKeyPair('RS256');
    privateKey = pair.privateKey;
    const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'service-key-1', alg: 'RS256', use: 'sig' };
    emulator = await startEmulator({
      seed: demoSeed((seed) => {
        seed.apps.push({
          clientId: SERVICE_APP,
          name: 'Gatehouse service',
          grantTypes: ['client_credentials'],
          tokenEndpointAuthMethod: 'private_key_jwt',
          jwks: { keys: [jwk] },
          grantedScopes: ['okta.users.read'],
        });
      }),
    });
  });
  after(() => emulator.close());

  const tokenRequest = async (scope: string) => {
    const tokenUrl = `${emulator.url}/oauth2/v1/token`;
    const assertion = await new SignJWT({})
      .setProtectedHeader({ alg: 'RS256', kid: 'service-key-1' })
      .setIssuer(SERVICE_APP)
      .setSubject(SERVICE_APP)
      .setAudience(tokenUrl)
      .setJti(randomUUID())
      .setIssuedAt()
      .setExpirationTime('2m')
      .sign(privateKey);
    return fetch(tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        scope,
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: assertion,
      }),
    });
  };

  it('issues a JWT access token for the org audience with the granted scopes, accepted by /api/v1', async () => {
    const response = await tokenRequest('okta.users.read');
    assert.equal(response.status, 200);
    const body = (await response.json()) as { access_token: string; token_type: string };
    assert.equal(body.token_type, 'Bearer');
    const claims = jwtClaims(body.access_token);
    assert.equal(claims['iss'], emulator.url);
    assert.equal(claims['aud'], emulator.url);
    assert.equal(claims['cid'], SERVICE_APP);
    assert.equal(claims['sub'], SERVICE_APP);
    assert.deepEqual(claims['scp'], ['okta.users.read']);
    const users = await fetch(`${emulator.url}/api/v1/users?limit=1`, { headers: { authorization: `Bearer ${body.access_token}` } });
    assert.equal(users.status, 200);
  });

  it('refuses scopes the service app was not granted', async () => {
    const response = await tokenRequest('okta.users.manage');
    assert.equal(response.status, 400);
    assert.equal(((await response.json()) as Record<string, unknown>)['error'], 'invalid_scope');
  });

  it('the Management API refuses a default authorization server token', async () => {
    const config = await demoClient(emulator);
    const tokens = await redeem(config, await signIn(emulator, { username: admin.login, password: admin.password }));
    const users = await fetch(`${emulator.url}/api/v1/users`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    assert.equal(users.status, 401);
  });
});

describe('start-up', () => {
  it('reports a port in use with its system error code', async () => {
    const running = await startEmulator();
    try {
      await assert.rejects(startEmulator({ port: Number(new URL(running.url).port) }), (error: NodeJS.ErrnoException) => {
        assert.equal(error.code, 'EADDRINUSE');
        assert.match(error.message, /could not listen/);
        return true;
      });
    } finally {
      await running.close();
    }
  });
});

describe('persistence across a restart', () => {
  const dataDir = mkdtempSync(`${tmpdir()}/gh-`);
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  it('keeps signing keys, the sign-in session, refresh and access tokens', async () => {
    const first = await startEmulator({ dataDir });
    const port = Number(new URL(first.url).port);
    let kids: unknown;
    let signedIn: Awaited<ReturnType<typeof signIn>>;
    let tokens: Awaited<ReturnType<typeof redeem>>;
    try {
      kids = await (await fetch(`${first.issuer}/v1/keys`)).json();
      signedIn = await signIn(first, { username: admin.login, password: admin.password, scope: 'openid offline_access' });
      tokens = await redeem(await demoClient(first), signedIn);
      assert.ok(tokens.refresh_token);
    } finally {
      await first.close();
    }

    const second = await startEmulator({ dataDir, port });
    try {
      assert.equal(second.issuer, first.issuer);
      assert.deepEqual(await (await fetch(`${second.issuer}/v1/keys`)).json(), kids);
      const config = await demoClient(second);
      assert.equal((await client.fetchUserInfo(config, tokens.access_token, admin.id)).sub, admin.id);
      const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token);
      assert.equal(refreshed.claims()?.sub, admin.id);
      const again = await signIn(second, { jar: signedIn.jar });
      assert.deepEqual(again.steps, []);
    } finally {
      await second.close();
    }
  });
});
