import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as client from 'openid-client';
import { DEMO_USERS } from '../directory/demo.ts';
import { startEmulator, type Emulator } from '../server.ts';
import { demoClient, demoSeed, jwtClaims, redeem } from '../testing/support.ts';
import { signIn } from '../testing/index.ts';

const { admin } = DEMO_USERS;

async function refreshTokenOf(emulator: Emulator, config: client.Configuration, scope = 'openid offline_access'): Promise<string> {
  const tokens = await redeem(config, await signIn(emulator, { username: admin.login, password: admin.password, scope }));
  assert.ok(tokens.refresh_token, 'a refresh token is issued for offline_access');
  return tokens.refresh_token;
}

function isInvalidGrant(error: Error & { error?: string }): boolean {
  assert.equal(error.error, 'invalid_grant');
  return true;
}

describe('refresh tokens with a reuse grace period', () => {
  let emulator: Emulator;
  let config: client.Configuration;
  before(async () => {
    emulator = await startEmulator({ seed: demoSeed((seed) => {
      seed.authorizationServer = { ...seed.authorizationServer, refreshTokenReuseGraceSeconds: 600 };
    }) });
    config = await demoClient(emulator);
  });
  after(() => emulator.close());

  it('issues no refresh token without offline_access', async () => {
    const tokens = await redeem(config, await signIn(emulator, { username: admin.login, password: admin.password, scope: 'openid' }));
    assert.equal(tokens.refresh_token, undefined);
  });

  it('rotates the refresh token on use and keeps the access token Okta-shaped', async () => {
    const first = await refreshTokenOf(emulator, config, 'openid profile offline_access');
    const refreshed = await client.refreshTokenGrant(config, first);
    assert.ok(refreshed.refresh_token);
    assert.notEqual(refreshed.refresh_token, first);
    const claims = jwtClaims(refreshed.access_token);
    assert.equal(claims['sub'], admin.login);
    assert.deepEqual(claims['scp'], ['openid', 'profile', 'offline_access']);
    assert.equal(refreshed.claims()?.sub, admin.id);
  });

  it('still accepts a rotated refresh token within the grace period', async () => {
    const first = await refreshTokenOf(emulator, config);
    const second = await client.refreshTokenGrant(config, first);
    const reused = await client.refreshTokenGrant(config, first);
    assert.ok(reused.access_token);
    assert.ok(reused.refresh_token);
    assert.ok(second.refresh_token);
    assert.ok(await client.refreshTokenGrant(config, second.refresh_token));
  });
});

describe('refresh tokens without a grace period', () => {
  let emulator: Emulator;
  let config: client.Configuration;
  before(async () => {
    emulator = await startEmulator({ seed: demoSeed((seed) => {
      seed.authorizationServer = { ...seed.authorizationServer, refreshTokenReuseGraceSeconds: 0 };
    }) });
    config = await demoClient(emulator);
  });
  after(() => emulator.close());

  it('refuses a rotated refresh token used again (invalid_grant) and revokes its family', async () => {
    const first = await refreshTokenOf(emulator, config);
    const second = await client.refreshTokenGrant(config, first);
    assert.ok(second.refresh_token);
    await assert.rejects(client.refreshTokenGrant(config, first), isInvalidGrant);
    await assert.rejects(client.refreshTokenGrant(config, second.refresh_token), isInvalidGrant);
  });

  it('refuses refresh for a user suspended since', async () => {
    const token = await refreshTokenOf(emulator, config);
    emulator.directory.suspendUser(admin.id);
    try {
      await assert.rejects(client.refreshTokenGrant(config, token), isInvalidGrant);
    } finally {
      emulator.directory.unsuspendUser(admin.id);
    }
  });
});
