// What an error callback may show on our origin: without a login transaction anyone can send the
// link, so only our own wording (and an allowlisted `error` code) appears; with one, the IdP's words may follow.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { FAKE_CLIENT, testAuth, testConfig } from '../testing/auth.ts';
import { startFakeProvider, type FakeProvider } from '../testing/fake-provider.ts';
import { appRequest, beginLogin, finishLogin } from '../testing/flow.ts';
import { CookieJar } from '@gatehouse/okta-emulator/testing';

let fake: FakeProvider;
before(async () => {
  fake = await startFakeProvider(FAKE_CLIENT);
});
after(() => fake.close());

const PHISH = 'Your account is locked. Call +1-555-0100 or visit evil.example to restore it';

describe('callback error text', () => {
  test('error_description without a login transaction is never shown (attacker text on our origin)', async () => {
    const { auth, audit } = await testAuth(testConfig(fake.issuer));
    const jar = new CookieJar();
    for (const query of [
      `error=access_denied&error_description=${encodeURIComponent(PHISH)}`,
      `error=access_denied&error_description=${encodeURIComponent(PHISH)}&state=forged-state`,
      `error=${encodeURIComponent(PHISH)}&error_description=${encodeURIComponent(PHISH)}`,
    ]) {
      const response = await auth.callback(appRequest(auth, `/auth/callback?${query}`, jar));
      const body = await response.text();
      assert.ok(response.status >= 400 && response.status < 500, `${response.status} for ${query}`);
      assert.ok(!body.includes('evil.example') && !body.includes('555-0100'), `attacker text shown for ${query}`);
    }
    const reasons = (await audit.query({ type: 'signin.failed' })).map((event) => event.reason);
    assert.deepEqual(reasons.sort(), ['idp_access_denied', 'idp_access_denied', 'idp_other']);
  });

  test('with a matching login transaction, the IdP description follows (escaped)', async () => {
    const { auth } = await testAuth(testConfig(fake.issuer));
    const jar = new CookieJar();
    const authorizationUrl = new URL(await beginLogin(auth, jar));
    const callback = new URL('http://localhost:3000/auth/callback');
    callback.searchParams.set('error', 'access_denied');
    callback.searchParams.set('error_description', 'User is not assigned to the client application.');
    callback.searchParams.set('state', authorizationUrl.searchParams.get('state')!);
    callback.searchParams.set('iss', fake.issuer);
    const response = await finishLogin(auth, jar, callback.href);
    assert.equal(response.status, 403);
    assert.match(await response.text(), /User is not assigned to the client application\./);
  });
});
