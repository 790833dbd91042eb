/**
 * Login start, transaction lifetime, IdP outages and local-only sign-out, against fake providers
 * (real local HTTP servers) so that outages and missing endpoints can be arranged.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { MemorySessionStore } from '../stores/memory.ts';
import { FAKE_CLIENT, testAuth, testConfig } from '../testing/auth.ts';
import { startFakeProvider, type FakeProvider } from '../testing/fake-provider.ts';
import { appRequest, beginLogin, finishLogin } from '../testing/flow.ts';
import { CookieJar } from '@gatehouse/okta-emulator/testing';

let fake: FakeProvider;
before(async () => {
  fake = await startFakeProvider(FAKE_CLIENT);
});
after(async () => {
  await fake.close();
});

function make(issuer = fake.issuer, extra: Parameters<typeof testAuth>[1] = {}): ReturnType<typeof testAuth> {
  return testAuth(testConfig(issuer), extra);
}

describe('login', () => {
  test('redirects with PKCE S256, state, nonce and optional parameters; sets the binding cookie; audits', async () => {
    const { auth, audit } = await make();
    const response = await auth.login(new Request('http://localhost:3000/auth/login?returnTo=/admin&prompt=login&max_age=60&acr_values=urn:okta:loa:2fa:any&login_hint=ada@example.com'));
    assert.equal(response.status, 302);
    const url = new URL(response.headers.get('location')!);
    assert.equal(`${url.origin}${url.pathname}`, `${fake.issuer}/authorize`);
    const q = url.searchParams;
    assert.equal(q.get('response_type'), 'code');
    assert.equal(q.get('code_challenge_method'), 'S256');
    assert.match(q.get('code_challenge') ?? '', /^[\w-]{43}$/);
    assert.ok((q.get('state') ?? '').length >= 22);
    assert.ok((q.get('nonce') ?? '').length >= 22);
    assert.equal(q.get('prompt'), 'login');
    assert.equal(q.get('max_age'), '60');
    assert.equal(q.get('acr_values'), 'urn:okta:loa:2fa:any');
    assert.equal(q.get('login_hint'), 'ada@example.com');
    const binding = response.headers.getSetCookie().find((line) => line.startsWith('gatehouse_tx='));
    assert.match(binding ?? '', /Max-Age=600/);
    assert.match(binding ?? '', /HttpOnly/);
    assert.match(binding ?? '', /SameSite=Lax/i);
    assert.equal(response.headers.get('cache-control'), 'no-store');
    const [started] = await audit.query({ type: 'signin.started' });
    assert.equal(started?.detail?.['returnTo'], '/admin');
  });

  test('one binding value per browser, shared by its tabs', async () => {
    const { auth } = await make();
    const jar = new CookieJar();
    await beginLogin(auth, jar);
    const first = jar.get('gatehouse_tx');
    await beginLogin(auth, jar);
    assert.equal(jar.get('gatehouse_tx'), first);
  });

  for (const query of ['prompt=always', 'max_age=-1', 'max_age=1e3', 'acr_values=%3Cscript%3E', `login_hint=${'a'.repeat(300)}`]) {
    test(`bad parameter ${query.slice(0, 30)} → 400 page`, async () => {
      const { auth, audit } = await make();
      const response = await auth.login(new Request(`http://localhost:3000/auth/login?${query}`));
      assert.equal(response.status, 400);
      assert.match(await response.text(), /AUTH_BAD_REQUEST/);
      assert.equal((await audit.query({ type: 'signin.failed' })).length, 1);
    });
  }

  test('a hostile returnTo falls back to the home page', async () => {
    const { auth } = await make();
    const jar = new CookieJar();
    const authorizationUrl = await beginLogin(auth, jar, '/auth/login?returnTo=https%3A%2F%2Fevil.example%2F');
    const response = await finishLogin(auth, jar, fake.authorize(authorizationUrl));
    assert.equal(response.status, 302);
    assert.equal(response.headers.get('location'), '/');
  });

  test('a transaction older than 10 minutes is refused (AUTH_TRANSACTION_EXPIRED)', async () => {
    const clock = { offset: 0 };
    const { auth, store } = await make(fake.issuer, { now: () => Date.now() + clock.offset });
    const jar = new CookieJar();
    const authorizationUrl = await beginLogin(auth, jar);
    clock.offset = 10 * 60_000 + 1_000;
    const response = await finishLogin(auth, jar, fake.authorize(authorizationUrl));
    assert.equal(response.status, 400);
    assert.match(await response.text(), /AUTH_TRANSACTION_EXPIRED/);
    assert.equal(await store.count(), 0);
  });

  for (const [name, change] of [
    ['a foreign iss', (url: URL) => url.searchParams.set('iss', 'https://evil.example')],
    ['a missing iss (the IdP advertises RFC 9207)', (url: URL) => url.searchParams.delete('iss')],
  ] as const) {
    test(`RFC 9207: ${name} → AUTH_ISSUER_MISMATCH before any token request`, async () => {
      const { auth, store } = await make();
      const jar = new CookieJar();
      const callback = new URL(fake.authorize(await beginLogin(auth, jar)));
      change(callback);
      const tokenRequests = fake.requests.token;
      const response = await finishLogin(auth, jar, callback.href);
      assert.equal(response.status, 400);
      assert.match(await response.text(), /AUTH_ISSUER_MISMATCH/);
      assert.equal(fake.requests.token, tokenRequests);
      assert.equal(await store.count(), 0);
    });
  }

  for (const [name, groups, detail] of [
    ['missing', undefined, 'missing'],
    ['malformed (a string, not an array)', 'admin', 'malformed'],
    ['malformed (non-string elements)', ['admin', 7], 'malformed'],
  ] as const) {
    test(`groups claim ${name} → signed in with no role, audit reason groups_claim_missing`, async () => {
      const { auth, audit } = await make();
      const jar = new CookieJar();
      const authorizationUrl = await beginLogin(auth, jar);
      fake.plan({ claims: { groups } });
      const response = await finishLogin(auth, jar, fake.authorize(authorizationUrl));
      assert.equal(response.status, 302);
      const state = await auth.authenticate(appRequest(auth, '/', jar));
      assert.deepEqual(state.roles, []);
      assert.deepEqual(state.permissions, []);
      const [succeeded] = await audit.query({ type: 'signin.succeeded' });
      assert.equal(succeeded?.reason, 'groups_claim_missing');
      assert.equal(succeeded?.detail?.['groupsClaim'], detail);
    });
  }

  test('signing in again replaces the session this browser had', async () => {
    const { auth, store } = await make();
    const jar = new CookieJar();
    await finishLogin(auth, jar, fake.authorize(await beginLogin(auth, jar)));
    const firstCookie = jar.get('gatehouse');
    await finishLogin(auth, jar, fake.authorize(await beginLogin(auth, jar)));
    assert.notEqual(jar.get('gatehouse'), firstCookie);
    assert.equal(await store.count(), 1);
  });
});

describe('IdP outages', () => {
  test('discovery failure → 503 page with "Try again", and no request during the backoff', async () => {
    const down = await startFakeProvider(FAKE_CLIENT);
    const issuer = down.issuer;
    await down.close();
    let requests = 0;
    const clock = { offset: 0 };
    const counting: typeof fetch = (input, init) => {
      requests += 1;
      return fetch(input, init);
    };
    const { auth, audit } = await make(issuer, { fetch: counting, now: () => Date.now() + clock.offset });
    const response = await auth.login(new Request('http://localhost:3000/auth/login?returnTo=%2Fadmin'));
    assert.equal(response.status, 503);
    const html = await response.text();
    assert.match(html, /AUTH_DISCOVERY_FAILED/);
    assert.match(html, /Try again/);
    assert.doesNotMatch(html, /at .*\.ts:\d+/, 'no stack trace');
    assert.equal((await audit.query({ type: 'signin.failed' }))[0]?.reason, 'auth_discovery_failed');
    assert.equal(requests, 1);
    // Within the backoff window no request is made.
    assert.equal(await auth.ready(), false);
    assert.equal(requests, 1);
    clock.offset = 2_000;
    assert.equal(await auth.ready(), false);
    assert.equal(requests, 2);
  });

  test('ready() is true when discovery works', async () => {
    const { auth } = await make();
    assert.equal(await auth.ready(), true);
  });

  test('no end_session_endpoint → signed out locally, and told so', async () => {
    const noLogout = await startFakeProvider({ ...FAKE_CLIENT, endSession: false });
    try {
      const { auth, store } = await make(noLogout.issuer);
      const jar = new CookieJar();
      await finishLogin(auth, jar, noLogout.authorize(await beginLogin(auth, jar)));
      assert.equal(await store.count(), 1);
      const response = await auth.logout(appRequest(auth, '/auth/logout', jar, { method: 'POST', headers: { origin: 'http://localhost:3000' } }));
      assert.equal(response.status, 200);
      const page = await response.text();
      assert.match(page, /signed out of Gatehouse/);
      assert.match(page, /does not offer signing out from here .*may still be active/);
      assert.ok(response.headers.getSetCookie().some((line) => line.startsWith('gatehouse=;')));
      assert.equal(await store.count(), 0);
    } finally {
      await noLogout.close();
    }
  });

  test('IdP down at sign-out → signed out locally, and told so', async () => {
    const flaky = await startFakeProvider(FAKE_CLIENT);
    const store = new MemorySessionStore();
    const { auth } = await make(flaky.issuer, { store });
    const jar = new CookieJar();
    await finishLogin(auth, jar, flaky.authorize(await beginLogin(auth, jar)));
    await flaky.close();
    // A freshly started instance (no cached discovery) sharing the session store.
    const { auth: restarted } = await make(flaky.issuer, { store });
    const response = await restarted.logout(appRequest(restarted, '/auth/logout', jar, { method: 'POST', headers: { origin: 'http://localhost:3000' } }));
    assert.equal(response.status, 200);
    assert.match(await response.text(), /identity provider could not be reached, so your session there may still be active/);
    assert.equal(await store.count(), 0);
  });
});
