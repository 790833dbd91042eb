import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { after, before, describe, test } from 'node:test';
import { DEMO_API_TOKEN, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_GROUP_IDS, DEMO_ORG_ID, DEMO_PASSWORD, DEMO_USERS } from './demo.ts';
import { Directory } from './directory.ts';
import { DirectoryError } from './errors.ts';
import { DEFAULT_SEED_PATH, loadSeed, parseSeed } from './seed.ts';
import type { DirectoryEvent, DirectorySeed } from './types.ts';

const temps: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(`${tmpdir()}/gh-`);
  temps.push(dir);
  return dir;
}
after(() => {
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});

function newUser(login: string) {
  return { profile: { login, email: login, firstName: 'Test', lastName: 'User' }, password: 'Passw0rd-test', activate: true };
}

describe('default seed', () => {
  let directory: Directory;
  let dataDir: string;
  before(() => {
    dataDir = tempDir();
    directory = Directory.open({ dataDir, seed: loadSeed() });
  });
  after(() => directory.close());

  test('matches the DEMO_* constants the CLI banner prints', () => {
    assert.equal(directory.orgId, DEMO_ORG_ID);
    for (const demo of Object.values(DEMO_USERS)) {
      const user = directory.getUser(demo.login);
      assert.ok(user, `${demo.login} is seeded`);
      assert.equal(user.id, demo.id);
      assert.equal(`${user.profile.firstName} ${user.profile.lastName}`, demo.name);
      assert.equal(user.status, 'ACTIVE');
      assert.equal(user.totp?.secret, demo.totpSecret);
      assert.equal(user.mfaPolicy, 'on_request');
      assert.equal(directory.verifyPassword(user, DEMO_PASSWORD), true);
      assert.deepEqual(directory.groupsOfUser(user.id).map((g) => g.profile.name), [...demo.groups]);
    }
    assert.equal(directory.getGroup(DEMO_GROUP_IDS.admin)?.profile.name, 'admin');
    assert.equal(directory.getGroup(DEMO_GROUP_IDS.viewer)?.profile.name, 'viewer');
    const app = directory.getApp(DEMO_CLIENT_ID);
    assert.equal(app?.clientSecret, DEMO_CLIENT_SECRET);
    assert.deepEqual(app?.redirectUris, ['http://localhost:3000/auth/callback', 'http://127.0.0.1:3000/auth/callback']);
    assert.deepEqual(app?.grantTypes, ['authorization_code', 'refresh_token']);
    assert.equal(directory.findApiToken(DEMO_API_TOKEN)?.name, 'gatehouse-demo');
    assert.equal(directory.rateLimitPerMinute, 600);
    assert.deepEqual(directory.authorizationServer.groupsClaim, { enabled: true, name: 'groups', filterRegex: '.*', maxGroups: 100 });
  });

  test('ids have Okta shapes', () => {
    for (const user of directory.listUsers()) assert.match(user.id, /^00u[0-9A-Za-z]{17}$/);
    for (const group of directory.listGroups()) assert.match(group.id, /^00g[0-9A-Za-z]{17}$/);
    assert.match(directory.orgId, /^00o[0-9A-Za-z]{17}$/);
  });

  test('finds users by id, by login in any case, and by unambiguous short name', () => {
    assert.equal(directory.getUser('ADMIN@Gatehouse.TEST')?.id, DEMO_USERS.admin.id);
    assert.equal(directory.getUser('viewer')?.id, DEMO_USERS.viewer.id);
    assert.equal(directory.getUser('nobody@gatehouse.test'), null);
  });

  test('passwords are stored hashed and checked exactly', () => {
    const user = directory.getUser(DEMO_USERS.admin.id)!;
    assert.match(user.passwordHash ?? '', /^scrypt\$/);
    assert.equal(directory.verifyPassword(user, 'gatehouse-demo-1'), false);
    assert.equal(directory.verifyPassword(user, ''), false);
  });

  test('the API token is stored only as a hash', () => {
    const file = readFileSync(`${dataDir}/directory.json`, 'utf8');
    assert.equal(file.includes(DEMO_API_TOKEN), false);
    assert.equal(file.includes(DEMO_PASSWORD), false);
    assert.equal(directory.findApiToken(`${DEMO_API_TOKEN}x`), null);
  });
});

describe('persistence', () => {
  test('a reopened directory keeps every change', () => {
    const dataDir = tempDir();
    const first = Directory.open({ dataDir, seed: loadSeed() });
    const user = first.createUser({ ...newUser('kept@gatehouse.test'), groupIds: [DEMO_GROUP_IDS.viewer] });
    first.suspendUser(user.id);
    const group = first.createGroup({ name: 'ops' });
    first.addUserToGroup(group.id, DEMO_USERS.norole.id);
    first.removeUserFromGroup(DEMO_GROUP_IDS.admin, DEMO_USERS.admin.id);
    first.updateUser(DEMO_USERS.viewer.id, { profile: { firstName: 'Vera' } }, 'merge');
    first.deactivateUser(DEMO_USERS.norole.id);
    const hook = first.eventHooks.create({ name: 'h', events: ['user.lifecycle.suspend'], url: 'http://127.0.0.1:1/h', authScheme: null, headers: [] });
    first.recordLogin(DEMO_USERS.admin.id);
    first.close();

    // A different seed must not matter: the data dir wins.
    const second = Directory.open({ dataDir, seed: { users: [], groups: [], apps: [] } });
    assert.equal(second.getUser(user.id)?.status, 'SUSPENDED');
    assert.equal(second.verifyPassword(second.getUser(user.id)!, 'Passw0rd-test'), true);
    assert.deepEqual(second.groupsOfUser(user.id).map((g) => g.id), [DEMO_GROUP_IDS.viewer]);
    assert.deepEqual(second.usersInGroup(group.id).map((u) => u.id), [DEMO_USERS.norole.id]);
    assert.deepEqual(second.groupsOfUser(DEMO_USERS.admin.id), []);
    assert.equal(second.getUser(DEMO_USERS.viewer.id)?.profile.firstName, 'Vera');
    assert.equal(second.getUser(DEMO_USERS.norole.id)?.status, 'DEPROVISIONED');
    assert.equal(second.eventHooks.get(hook.id)?.url, 'http://127.0.0.1:1/h');
    assert.ok(second.getUser(DEMO_USERS.admin.id)?.lastLogin);
    assert.equal(second.orgId, DEMO_ORG_ID);
    second.close();
  });

  test('a reopened directory keeps the apps\' PKCE setting and their group and user assignments', () => {
    const dataDir = tempDir();
    const seed = loadSeed();
    Object.assign(seed.apps[0]!, { pkceRequired: false, groupAssignments: ['viewer'], userAssignments: ['norole@gatehouse.test'] });
    Directory.open({ dataDir, seed }).close();
    const reopened = Directory.open({ dataDir, seed: { users: [], groups: [], apps: [] } });
    const app = reopened.getApp(DEMO_CLIENT_ID);
    assert.equal(app?.pkceRequired, false);
    assert.deepEqual(app?.assignedGroupIds, [DEMO_GROUP_IDS.viewer]);
    assert.deepEqual(app?.assignedUserIds, [DEMO_USERS.norole.id]);
    assert.deepEqual(reopened.appAssignments(DEMO_CLIENT_ID).map(({ user, scope, group }) => [user.profile.login, scope, group?.profile.name ?? null]).sort(), [
      ['norole@gatehouse.test', 'USER', null],
      ['viewer@gatehouse.test', 'GROUP', 'viewer'],
    ]);
    reopened.close();
  });

  test('a corrupt file is a clear error and is left as it was, never reseeded', () => {
    const dataDir = tempDir();
    Directory.open({ dataDir, seed: loadSeed() }).close();
    writeFileSync(`${dataDir}/directory.json`, '{"format": 1, "users": [');
    assert.throws(
      () => Directory.open({ dataDir, seed: loadSeed() }),
      (error: unknown) => error instanceof DirectoryError && error.code === 'DATA_CORRUPT' && /directory\.json is not valid JSON/.test(error.message),
    );
    assert.equal(readFileSync(`${dataDir}/directory.json`, 'utf8'), '{"format": 1, "users": [');

    writeFileSync(`${dataDir}/directory.json`, JSON.stringify({ format: 1, orgId: 'x', users: 'nope' }));
    assert.throws(
      () => Directory.open({ dataDir, seed: loadSeed() }),
      (error: unknown) => error instanceof DirectoryError && error.code === 'DATA_CORRUPT' && error.message.includes('users'),
    );
  });
});

describe('seed validation', () => {
  const valid = (): DirectorySeed => JSON.parse(readFileSync(DEFAULT_SEED_PATH, 'utf8'));

  test('a bad field is named in the error', () => {
    const seed = valid();
    (seed.users[1]!.profile as { email: string }).email = 'not-an-email';
    assert.throws(() => parseSeed(seed), (error: unknown) => error instanceof DirectoryError && error.code === 'SEED_INVALID' && error.message.includes('users[1].profile.email'));
  });

  test('a membership in an unknown group is named', () => {
    const seed = valid();
    seed.users[0]!.groups = ['admins'];
    assert.throws(() => parseSeed(seed), /users\[0\]\.groups\[0\]: no seeded group named "admins"/);
  });

  test('duplicate logins are refused', () => {
    const seed = valid();
    seed.users[1]!.profile.login = 'ADMIN@gatehouse.test';
    assert.throws(() => parseSeed(seed), /users\[1\]\.profile\.login: duplicate login/);
  });

  test('unknown top-level keys are refused, so typos do not pass silently', () => {
    assert.throws(() => parseSeed({ ...valid(), user: [] }), /Unrecognized key/);
  });

  test('an unreadable or non-JSON seed file says which file', () => {
    const dir = tempDir();
    writeFileSync(`${dir}/seed.json`, 'nope');
    assert.throws(() => loadSeed(`${dir}/seed.json`), /seed\.json is not valid JSON/);
    assert.throws(() => loadSeed(`${dir}/missing.json`), /Cannot read the seed file/);
  });
});

describe('lifecycle and events', () => {
  let directory: Directory;
  const events: DirectoryEvent[] = [];
  before(() => {
    directory = Directory.open({ dataDir: tempDir(), seed: loadSeed() });
    directory.on('event', (event) => events.push(event));
  });
  after(() => directory.close());

  test('Okta transitions are allowed and announced', () => {
    events.length = 0;
    const staged = directory.createUser({ ...newUser('staged@gatehouse.test'), activate: false });
    assert.equal(staged.status, 'STAGED');
    assert.equal(directory.activateUser(staged.id).status, 'ACTIVE');
    assert.equal(directory.suspendUser(staged.id).status, 'SUSPENDED');
    assert.equal(directory.unsuspendUser(staged.id).status, 'ACTIVE');
    assert.equal(directory.deactivateUser(staged.id).status, 'DEPROVISIONED');
    assert.equal(directory.activateUser(staged.id).status, 'ACTIVE');
    assert.deepEqual(events.map((e) => e.eventType), [
      'user.lifecycle.create',
      'user.lifecycle.activate',
      'user.lifecycle.suspend',
      'user.lifecycle.unsuspend',
      'user.lifecycle.deactivate',
      'user.lifecycle.activate',
    ]);
    const target = events[2]!.target[0]!;
    assert.deepEqual(target, { id: staged.id, type: 'User', alternateId: 'staged@gatehouse.test', displayName: 'Test User' });
    assert.ok(events.every((e) => e.outcome.result === 'SUCCESS' && !Number.isNaN(Date.parse(e.published))));
  });

  test('a user without a password is PROVISIONED on activation', () => {
    const user = directory.createUser({ profile: { login: 'nopw@gatehouse.test', email: 'nopw@gatehouse.test', firstName: 'N', lastName: 'P' }, activate: true });
    assert.equal(user.status, 'PROVISIONED');
    assert.equal(directory.verifyPassword(user, ''), false);
  });

  test('forbidden transitions fail with the codes Okta uses', () => {
    const code = (fn: () => unknown) => {
      try {
        fn();
      } catch (error) {
        return (error as DirectoryError).code;
      }
      return 'no error';
    };
    assert.equal(code(() => directory.activateUser(DEMO_USERS.admin.id)), 'ALREADY_ACTIVE');
    assert.equal(code(() => directory.unsuspendUser(DEMO_USERS.admin.id)), 'CANNOT_UNSUSPEND');
    const user = directory.createUser({ ...newUser('rules@gatehouse.test'), activate: false });
    assert.equal(code(() => directory.suspendUser(user.id)), 'CANNOT_SUSPEND');
    directory.deactivateUser(user.id);
    assert.equal(code(() => directory.deactivateUser(user.id)), 'NOT_ALLOWED_IN_STATUS');
    assert.equal(code(() => directory.updateUser(user.id, { profile: { firstName: 'X' } }, 'merge')), 'NOT_ALLOWED_IN_STATUS');
    assert.equal(code(() => directory.createUser(newUser('Admin@gatehouse.test'))), 'ALREADY_EXISTS');
    assert.equal(code(() => directory.createGroup({ name: 'ADMIN' })), 'ALREADY_EXISTS');
    assert.equal(code(() => directory.getUser('x') ?? directory.suspendUser('00u0000000000missing')), 'NOT_FOUND');
  });

  test('delete deactivates first, then removes the user and their memberships', () => {
    const user = directory.createUser({ ...newUser('gone@gatehouse.test'), groupIds: [DEMO_GROUP_IDS.admin] });
    events.length = 0;
    assert.equal(directory.deleteUser(user.id), 'deactivated');
    assert.equal(directory.getUser(user.id)?.status, 'DEPROVISIONED');
    assert.equal(directory.deleteUser(user.id), 'deleted');
    assert.equal(directory.getUser(user.id), null);
    assert.equal(directory.usersInGroup(DEMO_GROUP_IDS.admin).some((u) => u.id === user.id), false);
    assert.deepEqual(events.map((e) => e.eventType), ['user.lifecycle.deactivate', 'user.lifecycle.delete.initiated']);
  });

  test('membership changes are announced once, with user and group targets', () => {
    events.length = 0;
    directory.addUserToGroup(DEMO_GROUP_IDS.viewer, DEMO_USERS.norole.id);
    directory.addUserToGroup(DEMO_GROUP_IDS.viewer, DEMO_USERS.norole.id);
    directory.removeUserFromGroup(DEMO_GROUP_IDS.viewer, DEMO_USERS.norole.id);
    assert.deepEqual(events.map((e) => e.eventType), ['group.user_membership.add', 'group.user_membership.remove']);
    assert.deepEqual(events[0]!.target.map((t) => t.type), ['User', 'UserGroup']);
  });

  test('announce() passes the OP events through with a timestamp', () => {
    events.length = 0;
    directory.announce({
      eventType: 'user.session.end',
      displayMessage: 'User logout from Okta',
      actor: { id: DEMO_USERS.admin.id, type: 'User', alternateId: DEMO_USERS.admin.login, displayName: 'Ada Admin' },
      target: [],
      outcome: { result: 'SUCCESS' },
    });
    assert.equal(events[0]?.eventType, 'user.session.end');
    assert.ok(events[0]?.published);
  });

  test('getters return copies: changing one does not change the directory', () => {
    const user = directory.getUser(DEMO_USERS.admin.id)!;
    user.status = 'SUSPENDED';
    user.profile.firstName = 'Mallory';
    assert.equal(directory.getUser(DEMO_USERS.admin.id)?.status, 'ACTIVE');
    assert.equal(directory.getUser(DEMO_USERS.admin.id)?.profile.firstName, 'Ada');
  });
});
