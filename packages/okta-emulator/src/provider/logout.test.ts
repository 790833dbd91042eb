import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as client from 'openid-client';
import { DEMO_USERS } from '../directory/demo.ts';
import type { DirectoryEvent } from '../directory/types.ts';
import { startEmulator, type Emulator } from '../server.ts';
import { demoClient, redeem } from '../testing/support.ts';
import { signIn, type CookieJar } from '../testing/index.ts';

const { viewer } = DEMO_USERS;

async function get(url: URL | string, jar?: CookieJar): Promise<Response> {
  const response = await fetch(url, { redirect: 'manual', headers: jar ? { cookie: jar.header() } : {} });
  jar?.store(response);
  return response;
}

describe('/v1/logout', () => {
  let emulator: Emulator;
  let config: client.Configuration;
  const events: DirectoryEvent[] = [];
  before(async () => {
    emulator = await startEmulator();
    emulator.directory.on('event', (event) => events.push(event));
    config = await demoClient(emulator);
  });
  after(() => emulator.close());

  it('answers 400 in Okta JSON without id_token_hint', async () => {
    const response = await get(`${emulator.issuer}/v1/logout?post_logout_redirect_uri=${encodeURIComponent('http://localhost:3000/')}`);
    assert.equal(response.status, 400);
    const body = (await response.json()) as Record<string, unknown>;
    assert.equal(body['errorCode'], 'invalid_request');
    assert.match(String(body['errorSummary']), /id_token_hint/);
    assert.equal(typeof body['errorId'], 'string');
  });

  it('ends the session, redirects to the registered URI with state, and the next sign-in asks for the password', async () => {
    const signedIn = await signIn(emulator, { username: viewer.login, password: viewer.password });
    const tokens = await redeem(config, signedIn);
    const beforeLogout = signedIn.jar.clone();

    const url = client.buildEndSessionUrl(config, {
      id_token_hint: tokens.id_token ?? '',
      post_logout_redirect_uri: 'http://localhost:3000/',
      state: 'see-you',
    });
    assert.equal(url.pathname, '/oauth2/default/v1/logout');
    const response = await get(url, signedIn.jar);
    assert.equal(response.status, 302);
    const location = new URL(response.headers.get('location') ?? '');
    assert.equal(`${location.origin}${location.pathname}`, 'http://localhost:3000/');
    assert.equal(location.searchParams.get('state'), 'see-you');
    assert.ok(events.some((event) => event.eventType === 'user.session.end' && event.target[0]?.id === viewer.id));
    // As at Okta, logout ends the sign-in session, not the tokens already issued.
    assert.equal((await client.fetchUserInfo(config, tokens.access_token, viewer.id)).sub, viewer.id);

    const again = await signIn(emulator, { jar: signedIn.jar, username: viewer.login, password: viewer.password });
    assert.deepEqual(again.steps, ['password']);
    // The old session cookie is dead on the server too, not just cleared in this browser.
    const replayed = await signIn(emulator, { jar: beforeLogout, username: viewer.login, password: viewer.password });
    assert.deepEqual(replayed.steps, ['password']);
  });

  it('refuses a post_logout_redirect_uri the client did not register, keeping the session', async () => {
    const signedIn = await signIn(emulator, { username: viewer.login, password: viewer.password });
    const tokens = await redeem(config, signedIn);
    const url = client.buildEndSessionUrl(config, {
      id_token_hint: tokens.id_token ?? '',
      post_logout_redirect_uri: 'https://evil.example/',
    });
    const response = await get(url, signedIn.jar);
    assert.equal(response.status, 400);
    assert.doesNotMatch(await response.text(), /evil\.example/);
    const again = await signIn(emulator, { jar: signedIn.jar });
    assert.deepEqual(again.steps, []);
  });

  it('answers 400 for an id_token_hint that is not a token', async () => {
    const response = await get(`${emulator.issuer}/v1/logout?id_token_hint=not-a-jwt`);
    assert.equal(response.status, 400);
  });
});
