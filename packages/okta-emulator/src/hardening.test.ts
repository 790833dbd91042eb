// The emulator is a developer tool, safe on a developer's laptop: it answers only for its own
// host names (no DNS rebinding), locks an account after 10 wrong passwords or codes as Okta does
// (with Okta's wording, unlocked through the Management API), and verifies Event Hooks only on
// loopback or configured hosts.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DEMO_API_TOKEN, DEMO_USERS } from './directory/demo.ts';
import { LOCKOUT_THRESHOLD } from './directory/directory.ts';
import { verifyEventHookEndpoint } from './hooks/verify.ts';
import { startEmulator, type Emulator } from './server.ts';
import { send } from './testing/support.ts';
import { signIn, SignInError } from './testing/index.ts';

const { viewer, norole } = DEMO_USERS;
const api = { authorization: `SSWS ${DEMO_API_TOKEN}`, accept: 'application/json' };

describe('emulator hardening', () => {
  let emulator: Emulator;
  let port: number;
  before(async () => {
    emulator = await startEmulator();
    port = Number(new URL(emulator.url).port);
  });
  after(() => emulator.close());

  it('a request whose Host is not the emulator (a DNS-rebinding page) is refused, even with the demo token', async () => {
    // Regression: any Host was answered, so a page on evil.example resolving to 127.0.0.1 could drive the Management API.
    for (const host of ['evil.example', `evil.example:${port}`, 'localhost.evil.example', '10.0.0.5']) {
      const answer = await send(port, { method: 'GET', path: '/api/v1/users', headers: { ...api, host } });
      assert.equal(answer.status, 421, host);
      assert.doesNotMatch(answer.body, /gatehouse\.test/, host);
    }
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`, 'localhost']) {
      assert.equal((await send(port, { method: 'GET', path: '/api/v1/users', headers: { ...api, host } })).status, 200, host);
    }
    assert.equal((await send(port, { method: 'GET', path: '/oauth2/default/.well-known/openid-configuration', headers: { host: 'attacker.test' } })).status, 421);
  });

  it(`locks an account after ${LOCKOUT_THRESHOLD} wrong passwords with Okta's wording; the Management API unlocks it`, async () => {
    const attempt = (password: string) => signIn(emulator, { username: viewer.login, password });
    for (let i = 1; i < LOCKOUT_THRESHOLD; i++) {
      await assert.rejects(attempt(`wrong-${i}`), (err: unknown) => err instanceof SignInError && err.status === 401 && /^Unable to sign in$/.test(err.message));
    }
    await assert.rejects(attempt('wrong-last'), (err: unknown) => err instanceof SignInError && err.status === 403 && /Your account is locked\. Please contact your administrator\./.test(err.message));
    assert.equal(emulator.directory.getUser(viewer.id)?.status, 'LOCKED_OUT');
    // The right password no longer helps.
    await assert.rejects(attempt(viewer.password), /Your account is locked/);
    const user = JSON.parse((await send(port, { method: 'GET', path: `/api/v1/users/${viewer.id}`, headers: { ...api, host: `localhost:${port}` } })).body) as { status: string; _links: Record<string, unknown> };
    assert.equal(user.status, 'LOCKED_OUT');
    assert.ok(user._links.unlock, 'an unlock link, as Okta gives');

    const unlock = await send(port, { method: 'POST', path: `/api/v1/users/${viewer.id}/lifecycle/unlock`, headers: { ...api, host: `localhost:${port}` } });
    assert.equal(unlock.status, 200);
    assert.equal(emulator.directory.getUser(viewer.id)?.status, 'ACTIVE');
    assert.deepEqual((await attempt(viewer.password)).steps, ['password']);
    const again = await send(port, { method: 'POST', path: `/api/v1/users/${viewer.id}/lifecycle/unlock`, headers: { ...api, host: `localhost:${port}` } });
    assert.equal(again.status, 403);
    assert.equal((JSON.parse(again.body) as { errorCode: string }).errorCode, 'E0000038');
  });

  it('wrong TOTP codes count towards the lockout too; a success starts the count again', async () => {
    const user = emulator.directory.createUser({ profile: { login: 'codes@gatehouse.test', email: 'codes@gatehouse.test', firstName: 'C', lastName: 'Odes' }, password: norole.password, activate: true });
    for (let i = 1; i < LOCKOUT_THRESHOLD; i++) await assert.rejects(signIn(emulator, { username: user.profile.login, password: `nope-${i}` }));
    // The ninth failure, then a success: the count starts again.
    await signIn(emulator, { username: user.profile.login, password: norole.password });
    for (let i = 1; i < LOCKOUT_THRESHOLD; i++) await assert.rejects(signIn(emulator, { username: user.profile.login, password: `nope-${i}` }));
    assert.equal(emulator.directory.getUser(user.id)?.status, 'ACTIVE');
    const admin = DEMO_USERS.admin;
    const wrongCode = (secret: string) => signIn(emulator, { username: admin.login, password: admin.password, totpSecret: secret, params: { acr_values: 'urn:okta:loa:2fa:any' } });
    for (let i = 1; i < LOCKOUT_THRESHOLD; i++) await assert.rejects(wrongCode('JBSWY3DPEHPK3PXP'), /Invalid code/);
    await assert.rejects(wrongCode('JBSWY3DPEHPK3PXP'), /locked/i);
    assert.equal(emulator.directory.getUser(admin.id)?.status, 'LOCKED_OUT');
    emulator.directory.unlockUser(admin.id);
  });

  it('Event Hook verification calls only loopback or the hosts it was configured with', async () => {
    // Regression: verification fetched any https URL an API caller registered (a port scanner of the developer's network).
    const calls: string[] = [];
    const spy: typeof fetch = async (input) => {
      calls.push(String(input));
      return Response.json({ verification: 'wrong' });
    };
    const hook = { url: 'https://intranet.corp.example/admin', headers: [], authScheme: null };
    const refused = await verifyEventHookEndpoint(hook, { fetch: spy });
    assert.equal(refused.verified, false);
    assert.match(refused.verified ? '' : refused.reason, /neither loopback nor one of the emulator's eventHookHosts/);
    assert.deepEqual(calls, []);
    await verifyEventHookEndpoint(hook, { fetch: spy, allowedHosts: ['intranet.corp.example'] });
    await verifyEventHookEndpoint({ ...hook, url: 'http://127.0.0.1:1/hook' }, { fetch: spy });
    assert.deepEqual(calls, ['https://intranet.corp.example/admin', 'http://127.0.0.1:1/hook']);

    const created = await send(port, {
      method: 'POST',
      path: '/api/v1/eventHooks',
      headers: { ...api, host: `localhost:${port}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'far', events: { type: 'EVENT_TYPE', items: ['user.lifecycle.create'] }, channel: { type: 'HTTP', version: '1.0.0', config: { uri: 'https://intranet.corp.example/hook' } } }),
    });
    assert.equal(created.status, 200, created.body);
    const { id } = JSON.parse(created.body) as { id: string };
    const verify = await send(port, { method: 'POST', path: `/api/v1/eventHooks/${id}/lifecycle/verify`, headers: { ...api, host: `localhost:${port}` } });
    assert.equal(verify.status, 400);
    assert.match(verify.body, /eventHookHosts/);
  });
});
