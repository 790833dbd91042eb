/**
 * Refresh edge cases against the fake provider, where each token response is chosen by the test:
 * rotation, a refresh without a new refresh token, changed groups, a changed subject, an IdP
 * outage, and invalid_grant.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Auth } from '../auth.ts';
import type { MemoryAuditLog, MemorySessionStore } from '../stores/memory.ts';
import { FAKE_CLIENT, testAuth, testConfig } from '../testing/auth.ts';
import { startFakeProvider, type FakeProvider } from '../testing/fake-provider.ts';
import { appRequest, beginLogin, finishLogin } from '../testing/flow.ts';
import { CookieJar } from '@gatehouse/okta-emulator/testing';
import type { SessionRecord } from '../types.ts';

let fake: FakeProvider;
before(async () => {
  fake = await startFakeProvider(FAKE_CLIENT);
});
after(async () => {
  await fake.close();
});

async function signedIn(issuer = fake.issuer, provider = fake): Promise<{ auth: Auth; store: MemorySessionStore; audit: MemoryAuditLog; jar: CookieJar; session: SessionRecord }> {
  const { auth, store, audit } = await testAuth(testConfig(issuer));
  const jar = new CookieJar();
  const response = await finishLogin(auth, jar, provider.authorize(await beginLogin(auth, jar), { groups: ['admin'] }));
  assert.equal(response.status, 302);
  const [session] = await store.list();
  return { auth, store, audit, jar, session: session! };
}

describe('refresh (fake provider)', () => {
  test('rotation: the new refresh token is stored and used next time', async () => {
    const { auth, session } = await signedIn();
    const first = await auth.ensureFreshTokens(session, { force: true });
    assert.ok(first);
    const rotated = (await auth.sessions.readTokens(first)).refreshToken;
    assert.notEqual(rotated, (await auth.sessions.readTokens(session)).refreshToken);
    // The fake provider has invalidated the old refresh token; a second refresh works only with the new one.
    const second = await auth.ensureFreshTokens(first, { force: true });
    assert.ok(second, 'second refresh succeeded with the rotated token');
  });

  test('no refresh token in the response keeps the old one', async () => {
    const { auth, session } = await signedIn();
    const original = (await auth.sessions.readTokens(session)).refreshToken;
    fake.plan({ omitRefreshToken: true });
    const refreshed = await auth.ensureFreshTokens(session, { force: true });
    assert.ok(refreshed);
    assert.equal((await auth.sessions.readTokens(refreshed)).refreshToken, original);
  });

  test('groups from the refreshed ID token replace the old ones; a missing claim fails closed', async () => {
    const { auth, session, audit } = await signedIn();
    assert.deepEqual(session.roles, ['admin']);
    fake.plan({ claims: { groups: ['viewer'] } });
    const viewer = await auth.ensureFreshTokens(session, { force: true });
    assert.deepEqual(viewer?.roles, ['viewer']);
    fake.plan({ claims: { groups: undefined } });
    const none = await auth.ensureFreshTokens(viewer!, { force: true });
    assert.deepEqual(none?.roles, []);
    const [latest] = await audit.query({ type: 'refresh.succeeded' });
    assert.equal(latest?.reason, 'groups_claim_missing');
  });

  test('a refreshed ID token for another subject ends the session', async () => {
    const { auth, session, store, jar } = await signedIn();
    fake.plan({ claims: { sub: '00uanotheruser0000001' } });
    assert.equal(await auth.ensureFreshTokens(session, { force: true }), null);
    assert.equal(await store.count(), 0);
    assert.equal((await auth.authenticate(appRequest(auth, '/', jar))).isAuthenticated, false);
  });

  test('invalid_grant ends the session and is audited', async () => {
    const { auth, session, store, audit } = await signedIn();
    fake.plan({ error: 'invalid_grant' });
    assert.equal(await auth.ensureFreshTokens(session, { force: true }), null);
    assert.equal(await store.count(), 0);
    assert.equal((await audit.query({ type: 'refresh.failed' }))[0]?.reason, 'invalid_grant');
    assert.equal((await audit.query({ type: 'session.revoked' }))[0]?.sessionId, session.id);
  });

  test('an IdP outage keeps the session (and backs off) instead of signing the user out', async () => {
    const own = await startFakeProvider(FAKE_CLIENT);
    const { auth, session, store, audit, jar } = await signedIn(own.issuer, own);
    await own.close();
    const kept = await auth.ensureFreshTokens(session, { force: true });
    assert.equal(kept?.id, session.id);
    assert.equal(await store.count(), 1);
    assert.equal((await audit.query({ type: 'refresh.failed' }))[0]?.reason, 'auth_idp_unavailable');
    const state = await auth.authenticate(appRequest(auth, '/', jar));
    assert.equal(state.isAuthenticated, true);
  });
});
