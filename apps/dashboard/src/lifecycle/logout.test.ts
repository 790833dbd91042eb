/**
 * Universal Logout (`POST /auth/global-token-revocation`) and OIDC Back-Channel Logout
 * (`POST /auth/backchannel-logout`), sent by the real emulator to the app on a real port after a
 * real sign-in; and what forged, replayed or misaddressed requests get. Requests the emulator would
 * never send are signed here with the emulator's own org key, read from its data directory.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { generateKeyPair, importJWK, SignJWT, type JWTPayload } from 'jose';
import { DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_USERS, type Emulator } from '@gatehouse/okta-emulator';
import { createHarness, type Harness } from '../testing/harness.ts';
import { fetchFrom, signInThroughApp } from '@gatehouse/okta-emulator/testing';
import { management, serveOnPort } from './support.ts';

describe('Universal Logout and back-channel logout from the emulator', () => {
  let h: Harness;
  let emulator: Emulator;
  let served: Awaited<ReturnType<typeof serveOnPort>>;
  let orgKey: CryptoKey;
  let kid: string;
  const gtrUrl = () => `${served.url}/auth/global-token-revocation`;
  const bclUrl = () => `${served.url}/auth/backchannel-logout`;
  const me = (cookie: string) => h.request('/api/me', { cookie });
  const audit = async () => h.deps.audit.query({ type: 'lifecycle.event', limit: 500 });

  /** A real sign-in through the app (code flow at the emulator); the session record and the emulator cookie jar. */
  async function signInViewer() {
    const result = await signInThroughApp(fetchFrom(served.url), '/auth/login?returnTo=/dashboards', DEMO_USERS.viewer);
    const id = result.cookie.split('=')[1]!.split('.')[0]!;
    const session = (await h.deps.sessions.get(id))!;
    return { ...result, session };
  }

  /** Signs `claims` as the Okta org signs a logout request (RS256, the org's current key). */
  const signAsOrg = (claims: JWTPayload, header: Record<string, string> = {}) =>
    new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid, ...header }).sign(orgKey);

  before(async () => {
    let app: Harness['app'] | undefined;
    served = await serveOnPort((request) => app!.fetch(request));
    h = await createHarness({ emulator: true, emulatorRateLimitPerMinute: 100_000, env: { APP_BASE_URL: served.url } });
    app = h.app;
    emulator = h.emulator!;
    emulator.addRedirectUris(DEMO_CLIENT_ID, { redirectUris: [h.config.redirectUri], postLogoutRedirectUris: [h.config.postLogoutRedirectUri] });
    emulator.setLogoutEndpoints(DEMO_CLIENT_ID, { backchannelLogoutUri: bclUrl(), universalLogout: { uri: gtrUrl(), subjectFormat: 'iss_sub' } });
    const stored = JSON.parse(readFileSync(join(emulator.dataDir, 'signing-keys.json'), 'utf8')) as { keys: Array<{ jwk: Record<string, unknown> & { kid: string } }> };
    kid = stored.keys[0]!.jwk.kid;
    orgKey = (await importJWK(stored.keys[0]!.jwk, 'RS256')) as CryptoKey;
  });
  after(async () => {
    await served?.close();
    await h?.close();
  });

  it('Universal Logout: clearing the user’s sessions at the emulator ends every app session and revokes the refresh token', async () => {
    const first = await signInViewer();
    const second = await signInViewer();
    const { refreshToken } = await h.auth.sessions.readTokens(first.session);
    assert.ok(refreshToken, 'signed in with offline_access');
    assert.equal((await me(first.cookie)).status, 200);

    await management(emulator, 'DELETE', `/api/v1/users/${DEMO_USERS.viewer.id}/sessions`);
    assert.equal((await me(first.cookie)).status, 401);
    assert.equal((await me(second.cookie)).status, 401);
    const introspection = await fetch(`${emulator.issuer}/v1/introspect`, {
      method: 'POST',
      headers: { authorization: `Basic ${btoa(`${DEMO_CLIENT_ID}:${DEMO_CLIENT_SECRET}`)}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: refreshToken, token_type_hint: 'refresh_token' }),
    });
    assert.deepEqual(await introspection.json(), { active: false }, 'revoked at the IdP');
    const entry = (await audit()).find((e) => e.detail?.['source'] === 'universal_logout' && e.result === 'success');
    assert.equal(entry?.sub, DEMO_USERS.viewer.id);
    assert.equal(entry?.detail?.['sessions'], 2);
    assert.equal(entry?.detail?.['refreshTokensRevoked'], 2);
  });

  it('Universal Logout refuses forged, replayed, misaddressed and malformed requests; 404 for an unknown subject', async () => {
    const { cookie } = await h.signIn('admin');
    const now = Math.floor(Date.now() / 1000);
    const valid = () => ({ iss: emulator.url, aud: gtrUrl(), iat: now, exp: now + 60, jti: crypto.randomUUID() });
    const byEmail = JSON.stringify({ sub_id: { format: 'email', email: DEMO_USERS.admin.login } });
    const post = (token: string | null, body = byEmail) =>
      fetch(gtrUrl(), { method: 'POST', headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), 'content-type': 'application/json' }, body });
    const other = await generateKeyPair('RS256');

    assert.equal((await post(null)).status, 401, 'no token');
    assert.equal((await post(await new SignJWT(valid()).setProtectedHeader({ alg: 'RS256', kid }).sign(other.privateKey))).status, 401, 'signed by another key');
    assert.equal((await post(await signAsOrg({ ...valid(), aud: 'https://other.example/auth/global-token-revocation' }))).status, 401, 'another audience');
    assert.equal((await post(await signAsOrg({ ...valid(), iss: 'https://evil.example' }))).status, 401, 'another issuer');
    assert.equal((await post(await signAsOrg({ ...valid(), iat: now - 600, exp: now - 300 }))).status, 401, 'expired');
    assert.equal((await post(await signAsOrg({ ...valid(), exp: now + 3600 }))).status, 401, 'valid for too long');
    const { jti: _jti, ...noJti } = valid();
    assert.equal((await post(await signAsOrg(noJti))).status, 401, 'no jti');
    assert.equal((await post(await signAsOrg(valid()), '{"sub_id": {"format": "phone", "phone": "1"}}')).status, 400, 'unknown format');
    assert.equal((await post(await signAsOrg(valid()), 'not json')).status, 400);
    assert.equal((await post(await signAsOrg(valid()), JSON.stringify({ sub_id: { format: 'email', email: 'nobody@gatehouse.test' } }))).status, 404);
    assert.equal((await post(await signAsOrg(valid()), JSON.stringify({ sub_id: { format: 'iss_sub', iss: 'https://evil.example', sub: DEMO_USERS.admin.id } }))).status, 404, 'another issuer’s user');
    assert.equal((await me(cookie)).status, 200, 'no bad request touched the session');

    const token = await signAsOrg(valid());
    assert.equal((await post(token)).status, 204, 'email subject');
    assert.equal((await me(cookie)).status, 401);
    const { cookie: again } = await h.signIn('admin');
    assert.equal((await post(token)).status, 401, 'the same jti again');
    assert.equal((await me(again)).status, 200);
    const reasons = (await audit()).map((e) => e.reason);
    for (const reason of ['gtr_unauthenticated', 'gtr_jwt_invalid', 'gtr_body_malformed', 'gtr_subject_unknown', 'gtr_jti_replayed']) assert.ok(reasons.includes(reason), reason);
  });

  it('back-channel logout: signing out at the emulator in one browser ends exactly that browser’s session', async () => {
    const one = await signInViewer();
    const two = await signInViewer();
    assert.ok(typeof one.session.claims['sid'] === 'string', 'the sid is kept at sign-in');
    assert.notEqual(one.session.claims['sid'], two.session.claims['sid']);
    const { idToken } = await h.auth.sessions.readTokens(one.session);
    // The user signs out at the IdP directly (another app, or Okta's own page), in browser one.
    const logout = new URL(`${emulator.issuer}/v1/logout`);
    logout.searchParams.set('id_token_hint', idToken);
    const response = await fetch(logout, { redirect: 'manual', headers: { cookie: one.jar.header() } });
    assert.equal(response.status, 302);
    assert.equal((await me(one.cookie)).status, 401, 'browser one is signed out');
    assert.equal((await me(two.cookie)).status, 200, 'browser two is not');
    const entry = (await audit()).find((e) => e.detail?.['source'] === 'backchannel_logout' && e.result === 'success');
    assert.equal(entry?.detail?.['sessions'], 1);
  });

  it('back-channel logout refuses bad logout tokens (§2.6) and replays, touching no session', async () => {
    const { session, cookie } = await signInViewer();
    const sid = String(session.claims['sid']);
    const now = Math.floor(Date.now() / 1000);
    const claims = () => ({
      iss: emulator.issuer,
      aud: DEMO_CLIENT_ID,
      iat: now,
      jti: crypto.randomUUID(),
      sub: DEMO_USERS.viewer.id,
      sid,
      events: { 'http://schemas.openid.net/event/backchannel-logout': {} },
    });
    const post = async (token: string | null) =>
      fetch(bclUrl(), { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: token === null ? '' : new URLSearchParams({ logout_token: token }) });
    const bad: Array<[string, Record<string, unknown>, Record<string, string>?]> = [
      ['another audience', { ...claims(), aud: 'someone-else' }],
      ['another issuer', { ...claims(), iss: emulator.url }],
      ['no events claim', (({ events: _e, ...rest }) => rest)(claims())],
      ['events of another kind', { ...claims(), events: { 'http://schemas.openid.net/event/other': {} } }],
      ['a nonce (an ID token)', { ...claims(), nonce: 'n' }],
      ['neither sid nor sub', (({ sid: _s, sub: _u, ...rest }) => rest)(claims())],
      ['too old', { ...claims(), iat: now - 3600 }],
      ['an access token', claims(), { typ: 'at+jwt' }],
    ];
    assert.equal((await post(null)).status, 400, 'no logout_token');
    assert.equal((await post('not.a.jwt')).status, 400);
    for (const [what, payload, header] of bad) assert.equal((await post(await signAsOrg(payload, header))).status, 400, what);
    assert.equal((await me(cookie)).status, 200, 'no bad token touched the session');

    const good = await signAsOrg(claims(), { typ: 'logout+jwt' });
    assert.equal((await post(good)).status, 200);
    assert.equal((await me(cookie)).status, 401);
    assert.equal((await post(good)).status, 400, 'replayed jti');
    assert.ok((await audit()).some((e) => e.reason === 'logout_token_replayed'));
  });
});
