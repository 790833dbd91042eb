import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as client from 'openid-client';
import { DEMO_USERS } from './directory/demo.ts';
import { startEmulator, type Emulator } from './server.ts';
import { demoClient, jwtHeader, redeem } from './testing/support.ts';
import { signIn } from './testing/index.ts';

const { viewer } = DEMO_USERS;

async function kids(url: string): Promise<string[]> {
  const response = await fetch(url);
  assert.equal(response.status, 200);
  const jwks = (await response.json()) as { keys: Array<{ kid: string; kty: string; alg: string; d?: string }> };
  for (const key of jwks.keys) {
    assert.equal(key.kty, 'RSA');
    assert.equal(key.alg, 'RS256');
    assert.equal(key.d, undefined, 'no private key material is published');
  }
  return jwks.keys.map((key) => key.kid);
}

describe('signing key rotation', () => {
  let emulator: Emulator;
  let config: client.Configuration;
  before(async () => {
    emulator = await startEmulator();
    config = await demoClient(emulator);
  });
  after(() => emulator.close());

  it('publishes the new key, keeps the old one, and signs new tokens with the new kid', async () => {
    const jwksUrl = `${emulator.issuer}/v1/keys`;
    const [oldKid, ...others] = await kids(jwksUrl);
    assert.ok(oldKid);
    assert.deepEqual(others, []);
    const before = await redeem(config, await signIn(emulator, { username: viewer.login, password: viewer.password }));
    assert.equal(jwtHeader(before.id_token ?? '')['kid'], oldKid);

    await emulator.rotateKeys();

    const after = await kids(jwksUrl);
    assert.equal(after.length, 2);
    assert.equal(after[1], oldKid);
    const newKid = after[0];
    assert.notEqual(newKid, oldKid);
    // The org authorization server rotates with it.
    assert.deepEqual(await kids(`${emulator.url}/oauth2/v1/keys`), after);

    // The same openid-client configuration verifies tokens signed with the new key (it refetches
    // the JWKS on an unknown kid) and userinfo accepts the new access token.
    const tokens = await redeem(config, await signIn(emulator, { username: viewer.login, password: viewer.password }));
    assert.equal(jwtHeader(tokens.id_token ?? '')['kid'], newKid);
    assert.equal(jwtHeader(tokens.access_token)['kid'], newKid);
    assert.equal(tokens.claims()?.sub, viewer.id);
    assert.equal((await client.fetchUserInfo(config, tokens.access_token, viewer.id)).sub, viewer.id);
    // A token signed before the rotation still verifies against the published JWKS.
    assert.equal((await client.fetchUserInfo(config, before.access_token, viewer.id)).sub, viewer.id);
  });
});
