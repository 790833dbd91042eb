import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { after, before, describe, test } from 'node:test';
import { Client, DefaultRequestExecutor } from '@okta/okta-sdk-nodejs';
import { exportJWK, generateKeyPair } from 'jose';
import { DEMO_API_TOKEN, DEMO_GROUP_IDS, DEMO_USERS } from '../directory/demo.ts';
import { loadSeed } from '../directory/seed.ts';
import type { DirectorySeed } from '../directory/types.ts';
import { startEmulator, type Emulator } from '../server.ts';

const SERVICE_CLIENT_ID = '0oa1gatehousereadsvc';

/** The SDK exactly as an app uses it; the response cache is off so a test reads what it just wrote. */
function sswsClient(emulator: Emulator, options: { maxRetries?: number } = {}): Client {
  return new Client({
    orgUrl: emulator.url,
    token: DEMO_API_TOKEN,
    cacheMiddleware: null,
    ...(options.maxRetries === undefined ? {} : { requestExecutor: new DefaultRequestExecutor({ maxRetries: options.maxRetries, requestTimeout: 0 }) }),
  });
}

async function collect<T>(collection: AsyncIterable<T | null>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of collection) if (item) items.push(item);
  return items;
}

/** The error an SDK call rejects with (an OktaApiError), or a failure when it resolves. */
async function sdkError(call: Promise<unknown>): Promise<{ status: number; errorCode: string; errorCauses: Array<{ errorSummary: string }> }> {
  try {
    await call;
  } catch (error) {
    return error as never;
  }
  assert.fail('the call was expected to fail');
}

function api(emulator: Emulator, path: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  if (!headers.has('authorization')) headers.set('authorization', `SSWS ${DEMO_API_TOKEN}`);
  return fetch(`${emulator.url}${path}`, { ...init, headers });
}

function newUser(login: string) {
  return {
    profile: { login, email: login, firstName: 'Sam', lastName: 'Sample' },
    credentials: { password: { value: 'Sampl3-password' } },
  };
}

describe('Management API through @okta/okta-sdk-nodejs (SSWS)', () => {
  let emulator: Emulator;
  let client: Client;
  let dataDir: string;
  before(async () => {
    dataDir = mkdtempSync(`${tmpdir()}/gh-`);
    emulator = await startEmulator({ dataDir });
    client = sswsClient(emulator);
  });
  after(async () => {
    await emulator.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('lists users across several pages with limit 2, following Link headers', async () => {
    for (const name of ['page-a', 'page-b', 'page-c']) {
      await client.userApi.createUser({ body: newUser(`${name}@gatehouse.test`) });
    }
    const expected = emulator.directory.listUsers().filter((u) => u.status !== 'DEPROVISIONED').map((u) => u.id);
    assert.equal(expected.length, 6);
    const users = await collect(await client.userApi.listUsers({ limit: 2 }));
    assert.deepEqual(users.map((u) => u.id), expected);

    // The raw headers, page by page, as Okta formats them.
    let next: string | undefined = `${emulator.url}/api/v1/users?limit=2`;
    const pages: string[][] = [];
    while (next) {
      const response: Response = await fetch(next, { headers: { authorization: `SSWS ${DEMO_API_TOKEN}` } });
      const link = response.headers.get('link') ?? '';
      assert.match(link, /^<http:\/\/localhost:\d+\/api\/v1\/users\?[^>]*limit=2[^>]*>; rel="self"/);
      pages.push(((await response.json()) as Array<{ id: string }>).map((u) => u.id));
      next = /<([^>]+)>; rel="next"/.exec(link)?.[1];
    }
    assert.deepEqual(pages, [expected.slice(0, 2), expected.slice(2, 4), expected.slice(4, 6)]);
  });

  test('creates a staged user, activates, suspends, unsuspends and deactivates it', async () => {
    const created = await client.userApi.createUser({ body: newUser('life@gatehouse.test'), activate: false });
    assert.equal(created.status, 'STAGED');
    assert.match(created.id ?? '', /^00u[0-9A-Za-z]{17}$/);
    assert.equal(created.profile?.login, 'life@gatehouse.test');
    const id = created.id!;
    await client.userApi.activateUser({ userId: id, sendEmail: false });
    assert.equal((await client.userApi.getUser({ userId: id })).status, 'ACTIVE');
    await client.userApi.suspendUser({ userId: id });
    assert.equal((await client.userApi.getUser({ userId: 'life@gatehouse.test' })).status, 'SUSPENDED');
    await client.userApi.unsuspendUser({ userId: id });
    assert.equal((await client.userApi.getUser({ userId: id })).status, 'ACTIVE');
    await client.userApi.deactivateUser({ userId: id });
    assert.equal((await client.userApi.getUser({ userId: id })).status, 'DEPROVISIONED');

    // Okta leaves DEPROVISIONED users out of a plain listing, but a search finds them.
    const listed = await collect(await client.userApi.listUsers({}));
    assert.equal(listed.some((u) => u.id === id), false);
    const found = await collect(await client.userApi.listUsers({ search: 'status eq "DEPROVISIONED"' }));
    assert.deepEqual(found.map((u) => u.id), [id]);
  });

  test('refuses transitions Okta refuses, with Okta error codes', async () => {
    const staged = await client.userApi.createUser({ body: newUser('rules@gatehouse.test'), activate: false });
    const suspend = await sdkError(client.userApi.suspendUser({ userId: staged.id! }));
    assert.equal(suspend.status, 400);
    assert.equal(suspend.errorCode, 'E0000001');
    assert.deepEqual(suspend.errorCauses, [{ errorSummary: 'Cannot suspend a user that is not active' }]);
    const activate = await sdkError(client.userApi.activateUser({ userId: DEMO_USERS.admin.id, sendEmail: false }));
    assert.equal(activate.status, 403);
    assert.equal(activate.errorCode, 'E0000016');
  });

  test('delete deactivates an active user first, then deletes it', async () => {
    const user = await client.userApi.createUser({ body: newUser('delete-me@gatehouse.test') });
    await client.userApi.deleteUser({ userId: user.id! });
    assert.equal((await client.userApi.getUser({ userId: user.id! })).status, 'DEPROVISIONED');
    await client.userApi.deleteUser({ userId: user.id! });
    const gone = await sdkError(client.userApi.getUser({ userId: user.id! }));
    assert.equal(gone.status, 404);
    assert.equal(gone.errorCode, 'E0000007');
  });

  test('manages groups and membership, and lists a user’s groups', async () => {
    const group = await client.groupApi.createGroup({ group: { profile: { name: 'auditors', description: 'Read the audit log' } } });
    assert.match(group.id ?? '', /^00g[0-9A-Za-z]{17}$/);
    const userId = DEMO_USERS.norole.id;
    await client.groupApi.assignUserToGroup({ groupId: group.id!, userId });
    await client.groupApi.assignUserToGroup({ groupId: DEMO_GROUP_IDS.viewer, userId });
    const groups = await collect(await client.userApi.listUserGroups({ userId }));
    assert.deepEqual(groups.map((g) => g.profile?.name).sort(), ['auditors', 'viewer']);
    const members = await collect(await client.groupApi.listGroupUsers({ groupId: group.id! }));
    assert.deepEqual(members.map((u) => u.id), [userId]);

    await client.groupApi.unassignUserFromGroup({ groupId: DEMO_GROUP_IDS.viewer, userId });
    const after = await collect(await client.userApi.listUserGroups({ userId }));
    assert.deepEqual(after.map((g) => g.profile?.name), ['auditors']);

    const matching = await collect(await client.groupApi.listGroups({ q: 'aud' }));
    assert.deepEqual(matching.map((g) => g.id), [group.id]);
    await client.groupApi.deleteGroup({ groupId: group.id! });
    assert.equal((await sdkError(client.groupApi.getGroup({ groupId: group.id! }))).status, 404);
    assert.deepEqual(emulator.directory.groupsOfUser(userId), []);
  });

  test('finds users with q, search and filter', async () => {
    const ids = async (query: Parameters<Client['userApi']['listUsers']>[0]) => (await collect(await client.userApi.listUsers(query))).map((u) => u.id);
    assert.deepEqual(await ids({ q: 'vic' }), [DEMO_USERS.viewer.id]);
    assert.deepEqual(await ids({ search: 'profile.login eq "VIEWER@gatehouse.test"' }), [DEMO_USERS.viewer.id]);
    assert.deepEqual(
      await ids({ search: '(profile.firstName sw "Ada" or profile.firstName sw "Nora") and status eq "ACTIVE"' }),
      [DEMO_USERS.admin.id, DEMO_USERS.norole.id],
    );
    assert.deepEqual(await ids({ filter: 'profile.email eq "norole@gatehouse.test"' }), [DEMO_USERS.norole.id]);
    assert.deepEqual(await ids({ filter: 'lastUpdated gt "2999-01-01T00:00:00.000Z"' }), []);
  });

  test('bad input gets Okta-shaped 4xx answers, never a 5xx', async () => {
    const expectError = async (response: Response, status: number, errorCode: string) => {
      assert.equal(response.status, status);
      assert.match(response.headers.get('content-type') ?? '', /application\/json/);
      const body = (await response.json()) as Record<string, unknown>;
      assert.equal(body['errorCode'], errorCode);
      assert.equal(body['errorLink'], errorCode);
      assert.equal(typeof body['errorSummary'], 'string');
      assert.match(String(body['errorId']), /^oae/);
      assert.ok(Array.isArray(body['errorCauses']));
      return body as { errorSummary: string; errorCauses: Array<{ errorSummary: string }> };
    };
    const json = { 'content-type': 'application/json' };
    await expectError(await api(emulator, '/api/v1/users', { method: 'POST', headers: json, body: '{"profile": {' }), 400, 'E0000003');
    await expectError(await api(emulator, '/api/v1/groups', { method: 'POST', headers: json, body: 'null' }), 400, 'E0000001');
    const invalid = await expectError(
      await api(emulator, '/api/v1/users', { method: 'POST', headers: json, body: JSON.stringify({ profile: { login: 'not-an-email', email: 'x@y.test' } }) }),
      400,
      'E0000001',
    );
    assert.ok(invalid.errorCauses.some((cause) => cause.errorSummary === 'login: Username must be in the form of an email address'));
    assert.ok(invalid.errorCauses.some((cause) => cause.errorSummary === 'firstName: The field cannot be left blank'));
    const weak = await expectError(
      await api(emulator, '/api/v1/users', { method: 'POST', headers: json, body: JSON.stringify({ ...newUser('weak@gatehouse.test'), credentials: { password: { value: 'short' } } }) }),
      400,
      'E0000001',
    );
    assert.match(weak.errorCauses[0]?.errorSummary ?? '', /^password: Password requirements were not met/);
    const duplicate = await expectError(
      await api(emulator, '/api/v1/users', { method: 'POST', headers: json, body: JSON.stringify(newUser('admin@gatehouse.test')) }),
      400,
      'E0000001',
    );
    assert.equal(duplicate.errorCauses[0]?.errorSummary, 'login: An object with this field already exists in the current organization');
    await expectError(await api(emulator, '/api/v1/users/00u0000000000000none'), 404, 'E0000007');
    await expectError(await api(emulator, '/api/v1/groups/00g0000000000000none/users'), 404, 'E0000007');
    await expectError(await api(emulator, `/api/v1/groups/${DEMO_GROUP_IDS.admin}/users/00u0000000000000none`, { method: 'PUT' }), 404, 'E0000007');
    await expectError(await api(emulator, `/api/v1/users/${DEMO_USERS.admin.id}/lifecycle/explode`, { method: 'POST' }), 404, 'E0000007');
    await expectError(await api(emulator, '/api/v1/nothing-here'), 404, 'E0000007');
    await expectError(await api(emulator, `/api/v1/users?search=${encodeURIComponent('profile.login eq')}`), 400, 'E0000031');
    await expectError(await api(emulator, `/api/v1/users?search=${encodeURIComponent('status eq "ACTIVE" and (')}`), 400, 'E0000031');
    await expectError(await api(emulator, `/api/v1/users?search=${encodeURIComponent('credentials.password eq "x"')}`), 400, 'E0000031');
    await expectError(await api(emulator, `/api/v1/users?filter=${encodeURIComponent('profile.nickName eq "x"')}`), 400, 'E0000031');
    await expectError(await api(emulator, '/api/v1/users?limit=-1'), 400, 'E0000001');
    await expectError(await api(emulator, '/api/v1/users?activate=maybe', { method: 'POST', headers: json, body: JSON.stringify(newUser('m@gatehouse.test')) }), 400, 'E0000001');
    const wrongMethod = await api(emulator, '/api/v1/users', { method: 'PATCH' });
    assert.equal(wrongMethod.headers.get('allow'), 'GET, HEAD, POST');
    await expectError(wrongMethod, 405, 'E0000022');
    await expectError(await api(emulator, '/api/v1/users', { method: 'POST', headers: json, body: `{"x":"${'a'.repeat(70_000)}"}` }), 413, 'E0000001');
    await expectError(await api(emulator, '/api/v1/users', { headers: { authorization: 'SSWS not-a-token' } }), 401, 'E0000011');
    await expectError(await api(emulator, '/api/v1/users', { headers: { authorization: 'Bearer not.a.jwt' } }), 401, 'E0000011');
    await expectError(await fetch(`${emulator.url}/api/v1/users`), 401, 'E0000011');
  });

  test('every response carries the rate limit headers', async () => {
    for (const response of [await api(emulator, '/api/v1/users?limit=1'), await api(emulator, '/api/v1/users/none'), await fetch(`${emulator.url}/api/v1/groups`)]) {
      assert.equal(response.headers.get('x-rate-limit-limit'), '600');
      assert.match(response.headers.get('x-rate-limit-remaining') ?? '', /^\d+$/);
      assert.ok(Number(response.headers.get('x-rate-limit-reset')) > Date.now() / 1000);
      await response.body?.cancel();
    }
  });

  test('every change survives a restart on the same data directory', async () => {
    const user = await client.userApi.createUser({ body: newUser('restart@gatehouse.test') });
    await client.userApi.suspendUser({ userId: user.id! });
    await client.groupApi.assignUserToGroup({ groupId: DEMO_GROUP_IDS.admin, userId: user.id! });
    await emulator.close();
    emulator = await startEmulator({ dataDir });
    client = sswsClient(emulator);
    const again = await client.userApi.getUser({ userId: 'restart@gatehouse.test' });
    assert.equal(again.id, user.id);
    assert.equal(again.status, 'SUSPENDED');
    const groups = await collect(await client.userApi.listUserGroups({ userId: user.id! }));
    assert.deepEqual(groups.map((g) => g.id), [DEMO_GROUP_IDS.admin]);
  });
});

describe('Management API with a private_key_jwt service app', () => {
  let emulator: Emulator;
  let privateJwk: Record<string, unknown>;
  before(async () => {
    const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
    const kid = 'gatehouse-test-service-key';
    privateJwk = { ...(await exportJWK(privateKey)), kid, alg: 'RS256' };
    const seed: DirectorySeed = loadSeed();
    seed.apps.push({
      clientId: SERVICE_CLIENT_ID,
      name: 'Gatehouse user reader',
      tokenEndpointAuthMethod: 'private_key_jwt',
      grantTypes: ['client_credentials'],
      jwks: { keys: [{ ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' }] },
      grantedScopes: ['okta.users.read'],
    });
    emulator = await startEmulator({ seed });
  });
  after(() => emulator.close());

  const serviceClient = () =>
    new Client({
      orgUrl: emulator.url,
      authorizationMode: 'PrivateKey',
      clientId: SERVICE_CLIENT_ID,
      scopes: ['okta.users.read'],
      privateKey: privateJwk,
      cacheMiddleware: null,
    });

  test('reads users with an org access token and is refused writes it has no scope for', async () => {
    const client = serviceClient();
    const users = await collect(await client.userApi.listUsers({ limit: 2 }));
    assert.equal(users.length, 3);
    assert.equal((await client.userApi.getUser({ userId: DEMO_USERS.admin.login })).id, DEMO_USERS.admin.id);

    const write = await sdkError(client.userApi.createUser({ body: newUser('svc@gatehouse.test') }));
    assert.equal(write.status, 403);
    assert.equal(write.errorCode, 'E0000006');
    const groups = await sdkError(collect(await client.groupApi.listGroups({})));
    assert.equal(groups.status, 403);
    assert.equal(groups.errorCode, 'E0000006');
    assert.equal(emulator.directory.getUser('svc@gatehouse.test'), null);
  });
});

describe('Management API rate limit', () => {
  let emulator: Emulator;
  before(async () => {
    emulator = await startEmulator({ seed: { ...loadSeed(), rateLimitPerMinute: 3 } });
  });
  after(() => emulator.close());

  test('answers 429 E0000047 past the per-minute budget, with the headers', async () => {
    // The budget is per minute of wall-clock time; if the minute turns during the burst, the
    // burst is repeated in the new window (it is counted, not timed).
    for (let attempt = 0; attempt < 2; attempt++) {
      const responses: Response[] = [];
      for (let i = 0; i < 4; i++) responses.push(await api(emulator, '/api/v1/users?limit=1'));
      const resets = new Set(responses.map((r) => r.headers.get('x-rate-limit-reset')));
      if (resets.size !== 1) {
        await Promise.all(responses.map((r) => r.body?.cancel()));
        continue;
      }
      assert.deepEqual(responses.map((r) => r.status), [200, 200, 200, 429]);
      assert.deepEqual(responses.map((r) => r.headers.get('x-rate-limit-remaining')), ['2', '1', '0', '0']);
      const limited = responses[3]!;
      assert.equal(limited.headers.get('x-rate-limit-limit'), '3');
      assert.ok(Number(limited.headers.get('x-rate-limit-reset')) * 1000 > Date.now() - 1000);
      const body = (await limited.json()) as Record<string, unknown>;
      assert.equal(body['errorCode'], 'E0000047');
      assert.equal(body['errorSummary'], 'API call exceeded rate limit due to too many requests.');

      // The SDK sees the same 429 (with its automatic retry turned off).
      const error = await sdkError(sswsClient(emulator, { maxRetries: 0 }).userApi.getUser({ userId: DEMO_USERS.admin.id }));
      assert.equal(error.status, 429);
      assert.equal(error.errorCode, 'E0000047');
      return;
    }
    assert.fail('the minute turned during both bursts');
  });
});
