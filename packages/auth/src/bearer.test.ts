/**
 * Bearer access-token verification against the fake provider's JWKS: every check (signature,
 * algorithm, iss, aud, exp, cid, scp) refuses with AUTH_ACCESS_TOKEN_INVALID and a reason.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Auth } from './auth.ts';
import { AuthError } from './errors.ts';
import type { MemoryAuditLog } from './stores/memory.ts';
import { FAKE_CLIENT, testAuth, testConfig } from './testing/auth.ts';
import { startFakeProvider, type FakeProvider, type Signing } from './testing/fake-provider.ts';

let fake: FakeProvider;
let auth: Auth;
let audit: MemoryAuditLog;
before(async () => {
  fake = await startFakeProvider(FAKE_CLIENT);
  ({ auth, audit } = await testAuth(testConfig(fake.issuer)));
});
after(async () => {
  await fake.close();
});

const apiRequest = (token: string) => new Request('http://localhost:3000/api/me', { headers: { authorization: `Bearer ${token}` } });

describe('bearer access tokens', () => {
  test('a valid Okta-style access token → bearer AuthState with roles from its groups', async () => {
    const state = await auth.authenticateBearer(apiRequest(await fake.accessToken()));
    assert.equal(state?.via, 'bearer');
    assert.equal(state?.user?.sub, '00ufakeuser0000000001');
    assert.equal(state?.user?.email, 'fake.user@fake.test');
    assert.deepEqual(state?.roles, ['viewer']);
    assert.equal(state?.session, null);
  });

  test('a generic (RFC 9068 / Keycloak) access token: client_id or azp, scope string, roles in realm_access.roles', async () => {
    const { auth: keycloak } = await testAuth(testConfig(fake.issuer, { GATEHOUSE_GROUPS_CLAIM: 'realm_access.roles' }));
    for (const client of [{ client_id: FAKE_CLIENT.clientId }, { azp: FAKE_CLIENT.clientId }]) {
      const token = await fake.accessToken({ cid: undefined, scp: undefined, groups: undefined, ...client, scope: 'openid profile', realm_access: { roles: ['admin', 'offline_access'] } });
      const state = await keycloak.authenticateBearer(apiRequest(token));
      assert.deepEqual(state?.roles, ['admin']);
      assert.deepEqual(state?.user?.groups, ['admin', 'offline_access']);
    }
  });

  const now = () => Math.floor(Date.now() / 1000);
  const cases: Array<[string, Record<string, unknown>, Signing, string]> = [
    ['bad signature', {}, 'bad-signature', 'jws_signature_verification_failed'],
    ['alg none (empty signature)', {}, 'none', 'malformed'],
    ['HS256 with the public key', {}, 'hs256-public-key', 'jose_alg_not_allowed'],
    ['unknown kid', {}, 'never-published', 'jwks_no_matching_key'],
    ['wrong iss', { iss: 'https://evil.example/oauth2/default' }, 'valid', 'jwt_claim_validation_failed'],
    ['wrong aud', { aud: 'api://other' }, 'valid', 'jwt_claim_validation_failed'],
    ['expired', { exp: now() - 120 }, 'valid', 'jwt_expired'],
    ['another client', { cid: 'someone-else' }, 'valid', 'client_not_allowed'],
    ['no cid, client_id or azp', { cid: undefined }, 'valid', 'client_missing'],
    ['RFC 9068 client_id of another client', { cid: undefined, client_id: 'someone-else' }, 'valid', 'client_not_allowed'],
    ['a cid of another client beside our client_id', { cid: 'someone-else', client_id: FAKE_CLIENT.clientId }, 'valid', 'client_not_allowed'],
    ['scope string without openid', { scp: undefined, scope: 'email profile' }, 'valid', 'insufficient_scope'],
    ['no scp', { scp: undefined }, 'valid', 'scp_missing'],
    ['scp without openid', { scp: ['email'] }, 'valid', 'insufficient_scope'],
  ];
  for (const [name, claims, signing, reason] of cases) {
    test(`${name} → AUTH_ACCESS_TOKEN_INVALID (${reason})`, async () => {
      const token = await fake.accessToken(claims, signing);
      await assert.rejects(auth.authenticateBearer(apiRequest(token)), (err: unknown) => {
        assert.ok(err instanceof AuthError);
        assert.equal(err.code, 'AUTH_ACCESS_TOKEN_INVALID');
        assert.equal(err.reason, reason);
        return true;
      });
    });
  }

  test('a malformed Authorization header is refused without a JWKS fetch; failures are audited without the token', async () => {
    const jwks = fake.requests.jwks;
    await assert.rejects(auth.authenticateBearer(new Request('http://localhost:3000/api/me', { headers: { authorization: 'Bearer' } })), AuthError);
    await assert.rejects(auth.authenticateBearer(apiRequest('not-a-jwt')), AuthError);
    assert.equal(fake.requests.jwks, jwks);
    const events = JSON.stringify(await audit.query({ type: 'access.denied' }));
    assert.doesNotMatch(events, /not-a-jwt/);
  });
});
