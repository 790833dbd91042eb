import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type * as client from 'openid-client';
import { DEMO_USERS } from '../directory/demo.ts';
import { startEmulator, type Emulator } from '../server.ts';
import { authorizeUrl, demoClient, demoSeed, redeem } from '../testing/support.ts';
import { CookieJar, signIn, SignInError } from '../testing/index.ts';
import { currentTotp } from './totp.ts';

const { admin, viewer, norole } = DEMO_USERS;

function refusedWith(status: number, message: RegExp) {
  return (error: unknown) => {
    assert.ok(error instanceof SignInError, String(error));
    assert.equal(error.code, 'SIGN_IN_REFUSED');
    assert.equal(error.status, status);
    assert.match(error.message, message);
    return true;
  };
}

/** Starts an authorization request and returns the sign-in page's URL, HTML and cookies. */
async function openSignInPage(emulator: Emulator, params: Record<string, string> = {}) {
  const jar = new CookieJar();
  const url = authorizeUrl(emulator, {
    state: 'some-state',
    code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    code_challenge_method: 'S256',
    ...params,
  });
  const redirect = await fetch(url, { redirect: 'manual' });
  jar.store(redirect);
  assert.equal(redirect.status, 303);
  const pageUrl = new URL(redirect.headers.get('location') ?? '', url);
  const page = await fetch(pageUrl, { headers: { cookie: jar.header() } });
  return { jar, pageUrl, page, html: await page.text() };
}

describe('hosted sign-in page', () => {
  let emulator: Emulator;
  let config: client.Configuration;
  before(async () => {
    emulator = await startEmulator({
      seed: demoSeed((seed) => {
        seed.users.push(
          { profile: { login: 'suspended@gatehouse.test', email: 'suspended@gatehouse.test', firstName: 'Sue', lastName: 'Spended' }, status: 'SUSPENDED', password: admin.password },
          { profile: { login: 'gone@gatehouse.test', email: 'gone@gatehouse.test', firstName: 'Gone', lastName: 'User' }, status: 'DEPROVISIONED', password: admin.password },
          { profile: { login: 'always@gatehouse.test', email: 'always@gatehouse.test', firstName: 'Al', lastName: 'Ways' }, password: admin.password, totpSecret: admin.totpSecret, mfaPolicy: 'always' },
          { profile: { login: 'nofactor@gatehouse.test', email: 'nofactor@gatehouse.test', firstName: 'No', lastName: 'Factor' }, password: admin.password },
        );
      }),
    });
    config = await demoClient(emulator);
  });
  after(() => emulator.close());

  it('is an accessible form that works without JavaScript', async () => {
    const { page, html } = await openSignInPage(emulator);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /text\/html/);
    assert.match(page.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/);
    assert.equal(page.headers.get('cache-control'), 'no-store');
    assert.match(html, /<html lang="en">/);
    assert.match(html, /<main>/);
    assert.match(html, /<label for="username">/);
    assert.match(html, /autocomplete="username"/);
    assert.match(html, /autocomplete="current-password"/);
    assert.match(html, /prefers-color-scheme: dark/);
    // Regression: the stylesheet was HTML-escaped once, which broke every quoted selector.
    assert.match(html, /\[role="alert"\]/);
    assert.doesNotMatch(html, /<script/);
  });

  it('says "Unable to sign in" for a wrong password or an unknown user', async () => {
    await assert.rejects(signIn(emulator, { username: admin.login, password: 'wrong' }), refusedWith(401, /^Unable to sign in$/));
    await assert.rejects(signIn(emulator, { username: 'nobody@gatehouse.test', password: 'x' }), refusedWith(401, /^Unable to sign in$/));
  });

  it('refuses suspended and deactivated users with Okta-style wording', async () => {
    await assert.rejects(signIn(emulator, { username: 'suspended@gatehouse.test', password: admin.password }), refusedWith(403, /suspended/));
    await assert.rejects(signIn(emulator, { username: 'gone@gatehouse.test', password: admin.password }), refusedWith(403, /deactivated/));
  });

  it('asks for a TOTP code when the client asks for two factors, and says so in amr and acr', async () => {
    const signedIn = await signIn(emulator, {
      username: norole.login,
      password: norole.password,
      totpSecret: norole.totpSecret,
      params: { acr_values: 'urn:okta:loa:2fa:any' },
    });
    assert.deepEqual(signedIn.steps, ['password', 'totp']);
    const claims = (await redeem(config, signedIn)).claims();
    assert.deepEqual(claims?.amr, ['pwd', 'mfa', 'otp']);
    assert.equal(claims?.['acr'], 'urn:okta:loa:2fa:any');
  });

  it('steps up an existing password-only session when two factors are asked for', async () => {
    const first = await signIn(emulator, { username: viewer.login, password: viewer.password });
    const stepUp = await signIn(emulator, { jar: first.jar, username: viewer.login, password: viewer.password, totpSecret: viewer.totpSecret, params: { acr_values: 'urn:okta:loa:2fa:any' } });
    assert.deepEqual(stepUp.steps, ['password', 'totp']);
    assert.deepEqual((await redeem(config, stepUp)).claims()?.amr, ['pwd', 'mfa', 'otp']);
  });

  it('asks for the code every time for a user whose policy is "always"', async () => {
    const signedIn = await signIn(emulator, { username: 'always@gatehouse.test', password: admin.password, totpSecret: admin.totpSecret });
    assert.deepEqual(signedIn.steps, ['password', 'totp']);
  });

  it('refuses a wrong TOTP code with a visible error', async () => {
    const wrong = String((Number(currentTotp(norole.totpSecret)) + 500000) % 1000000).padStart(6, '0');
    const { jar, pageUrl, html } = await openSignInPage(emulator, { acr_values: 'urn:okta:loa:2fa:any' });
    const csrf = /name="csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';
    const passwordStep = await fetch(new URL(`${pageUrl.pathname}/password`, pageUrl), {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie: jar.header(), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ csrf, username: norole.login, password: norole.password }),
    });
    assert.equal(passwordStep.status, 303);
    const totpPage = await (await fetch(pageUrl, { headers: { cookie: jar.header() } })).text();
    assert.match(totpPage, /autocomplete="one-time-code"/);
    const response = await fetch(new URL(`${pageUrl.pathname}/totp`, pageUrl), {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie: jar.header(), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ csrf, code: wrong }),
    });
    assert.equal(response.status, 401);
    assert.match(await response.text(), /role="alert"[^>]*>Invalid code\. Try again\./);
  });

  it('refuses two factors to a user with none enrolled, but allows :ifpossible', async () => {
    await assert.rejects(
      signIn(emulator, { username: 'nofactor@gatehouse.test', password: admin.password, params: { acr_values: 'urn:okta:loa:2fa:any' } }),
      refusedWith(403, /second factor/),
    );
    const signedIn = await signIn(emulator, { username: 'nofactor@gatehouse.test', password: admin.password, params: { acr_values: 'urn:okta:loa:2fa:any:ifpossible' } });
    assert.deepEqual(signedIn.steps, ['password']);
    // The context asked for was met (no factor to ask for): that is what acr reports; amr tells how.
    const claims = (await redeem(config, signedIn)).claims();
    assert.equal(claims?.['acr'], 'urn:okta:loa:2fa:any:ifpossible');
    assert.deepEqual(claims?.amr, ['pwd']);
  });

  it('asks for the password again with prompt=login or max_age=0', async () => {
    const first = await signIn(emulator, { username: viewer.login, password: viewer.password });
    const forced = await signIn(emulator, { jar: first.jar, username: viewer.login, password: viewer.password, params: { prompt: 'login' } });
    assert.deepEqual(forced.steps, ['password']);
    const aged = await signIn(emulator, { jar: first.jar, username: viewer.login, password: viewer.password, params: { max_age: '0' } });
    assert.deepEqual(aged.steps, ['password']);
  });

  it('answers 4xx, never 5xx, to forged or broken form posts', async () => {
    const { jar, pageUrl, html } = await openSignInPage(emulator);
    const csrf = /name="csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';
    const post = (path: string, body: string, cookie = jar.header(), type = 'application/x-www-form-urlencoded') =>
      fetch(new URL(path, pageUrl), { method: 'POST', redirect: 'manual', headers: { cookie, 'content-type': type }, body });

    const cases: Array<[string, Response]> = [
      ['missing CSRF token', await post(`${pageUrl.pathname}/password`, `username=${admin.login}&password=${admin.password}`)],
      ['wrong CSRF token', await post(`${pageUrl.pathname}/password`, `csrf=forged&username=${admin.login}&password=${admin.password}`)],
      ['no interaction cookie', await post(`${pageUrl.pathname}/password`, `csrf=${csrf}&username=a&password=b`, '')],
      ['unknown interaction uid', await post('/signin/not-a-real-uid/password', `csrf=${csrf}&username=a&password=b`)],
      ['TOTP step without a password first', await post(`${pageUrl.pathname}/totp`, `csrf=${csrf}&code=123456`)],
      ['malformed multipart body', await post(`${pageUrl.pathname}/password`, '--x\r\nbroken', jar.header(), 'multipart/form-data; boundary=y')],
      ['unknown sign-in path', await post('/signin/a/b/c', '')],
    ];
    for (const [name, response] of cases) {
      assert.ok(response.status >= 400 && response.status < 500, `${name}: HTTP ${response.status}`);
      assert.doesNotMatch(await response.text(), /at .*\.ts:\d+/, `${name}: no stack trace`);
    }
    const unknownPage = await fetch(new URL('/signin/not-a-real-uid', pageUrl), { headers: { cookie: jar.header() } });
    assert.equal(unknownPage.status, 400);
    assert.ok(!jar.has('okta_emu_sid'), 'no session was created');
  });
});
