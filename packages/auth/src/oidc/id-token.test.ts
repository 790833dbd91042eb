/**
 * Negative ID-token cases against a fake provider under the test's control: every forged or
 * mis-issued ID token ends in a 4xx page with the right error code, an audit reason, and no session.
 */
import assert from 'node:assert/strict';
import { after, before, describe, mock, test } from 'node:test';
import type { Auth } from '../auth.ts';
import type { MemoryAuditLog, MemorySessionStore } from '../stores/memory.ts';
import { FAKE_CLIENT, testAuth, testConfig } from '../testing/auth.ts';
import { startFakeProvider, type FakeProvider, type TokenPlan } from '../testing/fake-provider.ts';
import { beginLogin, finishLogin } from '../testing/flow.ts';
import { CookieJar } from '@gatehouse/okta-emulator/testing';

let fake: FakeProvider;
before(async () => {
  fake = await startFakeProvider(FAKE_CLIENT);
});
after(async () => {
  await fake.close();
});

function setup(): Promise<{ auth: Auth; store: MemorySessionStore; audit: MemoryAuditLog }> {
  return testAuth(testConfig(fake.issuer));
}

/** Signs in through the fake provider with `plan` for the token response. */
async function signInWith(auth: Auth, plan: TokenPlan): Promise<{ response: Response; jar: CookieJar }> {
  const jar = new CookieJar();
  const authorizationUrl = await beginLogin(auth, jar);
  fake.plan(plan);
  const response = await finishLogin(auth, jar, fake.authorize(authorizationUrl));
  return { response, jar };
}

async function assertRefused(auth: Auth, store: MemorySessionStore, audit: MemoryAuditLog, plan: TokenPlan, code: string, reason: string): Promise<void> {
  const { response, jar } = await signInWith(auth, plan);
  const body = await response.text();
  assert.equal(response.status, 400, body);
  assert.match(body, new RegExp(code));
  assert.equal(jar.get('gatehouse'), undefined, 'no session cookie');
  assert.equal(await store.count(), 0, 'no session stored');
  const [failed] = await audit.query({ type: 'signin.failed' });
  assert.equal(failed?.reason, reason, 'audit reason says what was wrong');
}

describe('ID token validation (fake provider)', () => {
  test('a valid ID token signs in (control case)', async () => {
    const { auth, store } = await setup();
    const { response, jar } = await signInWith(auth, {});
    assert.equal(response.status, 302);
    assert.equal(response.headers.get('location'), '/dashboards');
    assert.ok(jar.get('gatehouse'));
    assert.equal(await store.count(), 1);
  });

  const cases: Array<[string, TokenPlan, string, string]> = [
    ['bad signature', { signing: 'bad-signature' }, 'AUTH_ID_TOKEN_INVALID', 'id_token_signature'],
    ['alg none', { signing: 'none' }, 'AUTH_ID_TOKEN_INVALID', 'id_token_alg'],
    ['HS256 keyed with the public key', { signing: 'hs256-public-key' }, 'AUTH_ID_TOKEN_INVALID', 'id_token_alg'],
    ['wrong iss', { claims: { iss: 'https://evil.example/oauth2/default' } }, 'AUTH_ID_TOKEN_INVALID', 'id_token_iss'],
    ['wrong aud', { claims: { aud: 'someone-else' } }, 'AUTH_ID_TOKEN_INVALID', 'id_token_aud'],
    ['extra untrusted aud without azp', { claims: { aud: [FAKE_CLIENT.clientId, 'someone-else'] } }, 'AUTH_ID_TOKEN_INVALID', 'id_token_aud'],
    ['wrong azp', { claims: { aud: [FAKE_CLIENT.clientId, 'someone-else'], azp: 'someone-else' } }, 'AUTH_ID_TOKEN_INVALID', 'id_token_azp'],
    ['expired beyond the 60 s tolerance', { claims: { exp: Math.floor(Date.now() / 1000) - 120, iat: Math.floor(Date.now() / 1000) - 3720 } }, 'AUTH_ID_TOKEN_INVALID', 'id_token_exp'],
    ['missing iat', { claims: { iat: undefined } }, 'AUTH_ID_TOKEN_INVALID', 'id_token_iat'],
    // Regression: an ID token issued an hour in the future was accepted.
    ['iat an hour in the future', { claims: { iat: Math.floor(Date.now() / 1000) + 3600, exp: Math.floor(Date.now() / 1000) + 7200 } }, 'AUTH_ID_TOKEN_INVALID', 'iat_in_future'],
    ['missing nonce', { claims: { nonce: undefined } }, 'AUTH_NONCE_MISMATCH', 'auth_nonce_mismatch'],
    ['wrong nonce', { claims: { nonce: 'not-the-nonce-we-sent' } }, 'AUTH_NONCE_MISMATCH', 'auth_nonce_mismatch'],
    ['kid never published', { signing: 'never-published' }, 'AUTH_ID_TOKEN_INVALID', 'id_token_kid'],
    ['no ID token at all', { omitIdToken: true }, 'AUTH_ID_TOKEN_INVALID', 'id_token_missing'],
  ];
  for (const [name, plan, code, reason] of cases) {
    test(`${name} → ${code} (${reason}), no session`, async () => {
      const { auth, store, audit } = await setup();
      await assertRefused(auth, store, audit, plan, code, reason);
    });
  }

  test('expired within the 60 s clock tolerance is accepted', async () => {
    const { auth, store } = await setup();
    const now = Math.floor(Date.now() / 1000);
    const { response } = await signInWith(auth, { claims: { exp: now - 30 } });
    assert.equal(response.status, 302);
    assert.equal(await store.count(), 1);
  });

  test('unknown kid: refused before the rotation, accepted after it (JWKS refetched once past the cooldown)', async (t) => {
    const { auth, store, audit } = await setup();
    t.after(() => mock.timers.reset());
    // Prime the JWKS cache with the current key.
    assert.equal((await signInWith(auth, {})).response.status, 302);
    await fake.prepareNextKey();
    // Signed with a key the provider has not published yet: refused.
    await store.deleteByUser('00ufakeuser0000000001');
    await assertRefused(auth, store, audit, { signing: 'next-key' }, 'AUTH_ID_TOKEN_INVALID', 'id_token_kid');

    fake.publishNextKey();
    const jwksBefore = fake.requests.jwks;
    // oauth4webapi refetches a JWKS on an unknown kid only when its copy is at least 60 s old.
    const issuedAt = Math.floor(Date.now() / 1000);
    mock.timers.enable({ apis: ['Date'], now: Date.now() + 61_000 });
    // Only the JWKS cache is meant to see the later clock: the token is issued at the real time.
    const { response } = await signInWith(auth, { claims: { iat: issuedAt } });
    assert.equal(response.status, 302, await response.clone().text());
    assert.equal(fake.requests.jwks, jwksBefore + 1, 'JWKS refetched exactly once');
  });
});
