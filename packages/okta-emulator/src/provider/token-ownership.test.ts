import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as client from 'openid-client';
import { DEMO_CLIENT_ID, DEMO_USERS } from '../directory/demo.ts';
import { startEmulator, type Emulator } from '../server.ts';
import { demoClient, demoSeed, redeem } from '../testing/support.ts';
import { signIn } from '../testing/index.ts';

const { viewer } = DEMO_USERS;
const OTHER_CLIENT_ID = '0oa2otherwebapp00000';
const OTHER_CLIENT_SECRET = 'other-web-app-secret-for-tests-only';

describe('introspection and revocation: only the client a token was issued to', () => {
  let emulator: Emulator;
  /** Client A: the demo web app, which the tokens are issued to. */
  let owner: client.Configuration;
  /** Client B: another confidential web app of the same org. */
  let other: client.Configuration;
  const notices: string[] = [];
  const consoleInfo = console.info;

  before(async () => {
    // oidc-provider prints a notice the first time it falls back to a default policy.
    console.info = (...args: unknown[]) => {
      notices.push(args.map(String).join(' '));
      consoleInfo(...args);
    };
    emulator = await startEmulator({
      seed: demoSeed((seed) => {
        seed.apps.push({
          clientId: OTHER_CLIENT_ID,
          clientSecret: OTHER_CLIENT_SECRET,
          name: 'Other app',
          redirectUris: ['http://localhost:4000/callback'],
          grantTypes: ['authorization_code', 'refresh_token'],
          tokenEndpointAuthMethod: 'client_secret_basic',
        });
      }),
    });
    owner = await demoClient(emulator);
    other = await client.discovery(new URL(emulator.issuer), OTHER_CLIENT_ID, OTHER_CLIENT_SECRET, client.ClientSecretBasic(OTHER_CLIENT_SECRET), {
      execute: [client.allowInsecureRequests],
    });
  });
  after(async () => {
    console.info = consoleInfo;
    await emulator.close();
  });

  const tokensOfOwner = async () =>
    redeem(owner, await signIn(emulator, { username: viewer.login, password: viewer.password, scope: 'openid profile offline_access' }));

  it("answers { active: false } when another client introspects a token, as for an unknown one", async () => {
    const tokens = await tokensOfOwner();
    assert.ok(tokens.refresh_token, 'offline_access gives a refresh token');
    for (const token of [tokens.access_token, tokens.refresh_token]) {
      assert.deepEqual({ ...(await client.tokenIntrospection(other, token)) }, { active: false });
      const own = await client.tokenIntrospection(owner, token);
      assert.equal(own.active, true);
      assert.equal(own.client_id, DEMO_CLIENT_ID);
    }
    assert.deepEqual({ ...(await client.tokenIntrospection(other, 'not-a-token-at-all')) }, { active: false });
  });

  it("answers 200 and leaves the token alone when another client revokes it", async () => {
    const tokens = await tokensOfOwner();
    const refreshToken = tokens.refresh_token;
    assert.ok(refreshToken);
    await client.tokenRevocation(other, tokens.access_token);
    await client.tokenRevocation(other, refreshToken);

    assert.equal((await client.tokenIntrospection(owner, tokens.access_token)).active, true);
    assert.equal((await client.tokenIntrospection(owner, refreshToken)).active, true);
    const userinfo = await client.fetchUserInfo(owner, tokens.access_token, client.skipSubjectCheck);
    assert.equal(userinfo['preferred_username'], viewer.login);
    const refreshed = await client.refreshTokenGrant(owner, refreshToken);
    assert.equal(typeof refreshed.access_token, 'string');

    // The owner's own revocation does take effect.
    await client.tokenRevocation(owner, refreshed.access_token);
    assert.equal((await client.tokenIntrospection(owner, refreshed.access_token)).active, false);
  });

  it('prints no oidc-provider notice about the default policies', () => {
    assert.deepEqual(notices.filter((line) => line.includes('allowedPolicy')), []);
  });
});
