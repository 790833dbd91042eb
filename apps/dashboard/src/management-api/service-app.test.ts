// User management through an Okta service app (private_key_jwt, client credentials) instead of an
// API token: the real emulator over HTTP, the real SDK, the config the dashboard starts from, and
// — for the missing-scope case — the real dashboard server with a real admin sign-in.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { exportJWK, exportPKCS8, generateKeyPair } from 'jose';
import pino from 'pino';
import { loadConfig } from '@gatehouse/auth/config';
import {
  DEFAULT_SEED_PATH,
  DEMO_CLIENT_ID,
  DEMO_CLIENT_SECRET,
  DEMO_GROUP_IDS,
  DEMO_USERS,
  loadSeed,
  startEmulator,
  type DirectoryEvent,
  type Emulator,
} from '@gatehouse/okta-emulator';
import { startDashboard, type RunningDashboard } from '../server.ts';
import { fetchFrom, signInThroughApp } from '@gatehouse/okta-emulator/testing';
import { DirectoryError, OktaDirectory } from './directory.ts';

const MANAGER_APP = '0oagatehousesvcmanage';
const READER_APP = '0oagatehousesvcreader';
const KID = 'gatehouse-service-key-1';
const APP_BASE_URL = 'http://localhost:3000';

let dir: string;
let emulator: Emulator;
let pem: string;
let privateJwk: string;
const events: DirectoryEvent[] = [];

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gh-'));
  const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
  pem = await exportPKCS8(privateKey);
  privateJwk = JSON.stringify({ ...(await exportJWK(privateKey)), kid: KID, alg: 'RS256' });
  const publicJwk = { ...(await exportJWK(publicKey)), kid: KID, alg: 'RS256', use: 'sig' };
  // The bundled seed (demo users, groups, the web app) plus two service apps.
  const seed = loadSeed(DEFAULT_SEED_PATH);
  const serviceApp = (clientId: string, name: string, grantedScopes: string[]) => ({
    clientId,
    name,
    tokenEndpointAuthMethod: 'private_key_jwt' as const,
    grantTypes: ['client_credentials' as const],
    jwks: { keys: [publicJwk] },
    grantedScopes,
  });
  seed.apps.push(serviceApp(MANAGER_APP, 'Gatehouse user manager', ['okta.users.read', 'okta.users.manage', 'okta.groups.read', 'okta.groups.manage']));
  seed.apps.push(serviceApp(READER_APP, 'Gatehouse user reader', ['okta.users.read', 'okta.groups.read']));
  emulator = await startEmulator({ seed, dataDir: join(dir, 'emulator') });
  emulator.directory.on('event', (event: DirectoryEvent) => events.push(event));
});

after(async () => {
  await emulator.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The dashboard's config for a service app: OKTA_ISSUER set explicitly, and no OKTA_API_TOKEN. */
function serviceAppConfig(clientId: string, privateKey: string) {
  return loadConfig(
    {
      NODE_ENV: 'test',
      // Explicit: without OKTA_ISSUER the config falls back to the emulator's demo API token.
      OKTA_ISSUER: emulator.issuer,
      OKTA_CLIENT_ID: DEMO_CLIENT_ID,
      OKTA_CLIENT_SECRET: DEMO_CLIENT_SECRET,
      OKTA_MANAGEMENT_CLIENT_ID: clientId,
      OKTA_MANAGEMENT_PRIVATE_KEY: privateKey,
      APP_BASE_URL,
      DATABASE_URL: `file:${join(dir, `gatehouse-${clientId}.db`)}`,
      SESSION_SECRET: 'test-session-secret-0123456789-abcdefghij',
      LOG_LEVEL: 'warn',
    },
    { envFile: false, cwd: dir },
  );
}

function directoryFor(clientId: string, privateKey: string): OktaDirectory {
  const config = serviceAppConfig(clientId, privateKey);
  assert.equal(config.okta.apiToken, null, 'no API token: every call must go through the service app');
  const directory = OktaDirectory.fromConfig(config);
  assert.ok(directory, 'a directory from OKTA_MANAGEMENT_CLIENT_ID + OKTA_MANAGEMENT_PRIVATE_KEY');
  return directory;
}

const byServiceApp = (clientId: string, eventType: string, targetId: string) =>
  events.some((event) => event.eventType === eventType && event.actor.id === clientId && event.actor.type === 'PublicClientApp' && event.target.some((t) => t.id === targetId));

describe('OktaDirectory through a private_key_jwt service app', () => {
  for (const [format, key] of [['PEM (PKCS#8)', () => pem], ['JWK (JSON string)', () => privateJwk]] as const) {
    test(`with the key as ${format}: lists users, creates a user into a group, deactivates`, async () => {
      const directory = directoryFor(MANAGER_APP, key());
      const users = await directory.listUsers();
      for (const demo of Object.values(DEMO_USERS)) assert.ok(users.some((user) => user.id === demo.id), demo.login);

      const email = `svc.${format.startsWith('PEM') ? 'pem' : 'jwk'}@gatehouse.test`;
      const created = await directory.createUser({ email, firstName: 'Service', lastName: 'Made', groupIds: [DEMO_GROUP_IDS.viewer], password: 'Initial-pass-1234' });
      assert.equal(emulator.directory.getUser(created.id)?.status, 'ACTIVE');
      assert.deepEqual(emulator.directory.groupsOfUser(created.id).map((group) => group.id).filter((id) => id === DEMO_GROUP_IDS.viewer), [DEMO_GROUP_IDS.viewer]);
      assert.deepEqual((await directory.listUserGroups(created.id)).map((group) => group.name).filter((name) => name === 'viewer'), ['viewer']);

      await directory.addToGroup(created.id, DEMO_GROUP_IDS.admin);
      assert.ok(emulator.directory.groupsOfUser(created.id).some((group) => group.id === DEMO_GROUP_IDS.admin));
      await directory.removeFromGroup(created.id, DEMO_GROUP_IDS.admin);
      assert.ok(!emulator.directory.groupsOfUser(created.id).some((group) => group.id === DEMO_GROUP_IDS.admin));

      await directory.deactivate(created.id);
      assert.equal(emulator.directory.getUser(created.id)?.status, 'DEPROVISIONED');
      // Okta's System Log names the service app, not an API token, as the actor.
      assert.ok(byServiceApp(MANAGER_APP, 'user.lifecycle.create', created.id), 'created by the service app');
      assert.ok(byServiceApp(MANAGER_APP, 'user.lifecycle.deactivate', created.id), 'deactivated by the service app');
    });
  }

  test('reads show Okta\'s current state, not a cached copy (regression: the SDK cache kept old statuses)', async () => {
    const directory = directoryFor(MANAGER_APP, pem);
    const user = await directory.createUser({ email: 'cache.check@gatehouse.test', firstName: 'Cache', lastName: 'Check', groupIds: [], password: 'Initial-pass-1234' });
    assert.equal((await directory.getUser(user.id)).status, 'ACTIVE');
    // Changed outside this client, as by an admin in the Okta console or another replica.
    emulator.directory.deactivateUser(user.id);
    assert.equal((await directory.getUser(user.id)).status, 'DEPROVISIONED');
  });

  test('a service app without okta.users.manage can still list users, and creating one fails with DIRECTORY_FORBIDDEN naming the scope', async () => {
    const directory = directoryFor(READER_APP, privateJwk);
    assert.ok((await directory.listUsers()).length >= 3);
    assert.ok((await directory.listGroups()).some((group) => group.id === DEMO_GROUP_IDS.viewer));
    await assert.rejects(directory.createUser({ email: 'not.allowed@gatehouse.test', firstName: 'Not', lastName: 'Allowed', groupIds: [] }), (err: unknown) => {
      assert.ok(err instanceof DirectoryError, String(err));
      assert.equal(err.code, 'DIRECTORY_FORBIDDEN');
      assert.match(err.message, /okta\.users\.manage/);
      assert.match(err.message, /Okta API Scopes/);
      assert.doesNotMatch(err.message, /localhost|127\.0\.0\.1|BEGIN|"d"|eyJ/);
      return true;
    });
    await assert.rejects(directory.deactivate(DEMO_USERS.norole.id), (err: unknown) => err instanceof DirectoryError && err.code === 'DIRECTORY_FORBIDDEN');
    assert.equal(emulator.directory.getUser('not.allowed@gatehouse.test'), null);
    assert.equal(emulator.directory.getUser(DEMO_USERS.norole.id)?.status, 'ACTIVE');
  });

  test('a key Okta does not know for the app fails with DIRECTORY_FORBIDDEN about the credentials', async () => {
    const other = await generateKeyPair('RS256', { extractable: true });
    const directory = directoryFor(MANAGER_APP, await exportPKCS8(other.privateKey));
    await assert.rejects(directory.listUsers(), (err: unknown) => {
      assert.ok(err instanceof DirectoryError, String(err));
      assert.equal(err.code, 'DIRECTORY_FORBIDDEN');
      assert.match(err.message, /OKTA_MANAGEMENT_CLIENT_ID/);
      return true;
    });
  });

  test('an unreadable or half-configured service app stops the start, naming the variable and never echoing the key', () => {
    const secretish = 'not-a-key-but-secret-material-0123456789';
    assert.throws(() => OktaDirectory.fromConfig(serviceAppConfig(MANAGER_APP, secretish)), (err: unknown) => {
      assert.ok(err instanceof Error);
      assert.match(err.message, /OKTA_MANAGEMENT_PRIVATE_KEY is not a readable PEM private key/);
      assert.ok(!err.message.includes(secretish));
      return true;
    });
    const publicOnly = JSON.stringify({ ...JSON.parse(privateJwk), d: undefined, p: undefined, q: undefined, dp: undefined, dq: undefined, qi: undefined });
    assert.throws(() => OktaDirectory.fromConfig(serviceAppConfig(MANAGER_APP, publicOnly)), /the private JWK \(with "d"\) is needed/);
    const halfConfig = { ...serviceAppConfig(MANAGER_APP, pem) };
    assert.throws(() => OktaDirectory.fromConfig({ ...halfConfig, okta: { ...halfConfig.okta, managementPrivateKey: null } }), /OKTA_MANAGEMENT_CLIENT_ID is set without OKTA_MANAGEMENT_PRIVATE_KEY/);
  });
});

describe('admin panel with a service app lacking okta.users.manage', () => {
  let dashboard: RunningDashboard;
  let cookie: string;
  const logs: string[] = [];

  before(async () => {
    const config = serviceAppConfig(READER_APP, pem);
    const logger = pino({ level: 'info' }, { write: (line: string) => void logs.push(line) });
    dashboard = await startDashboard({ config, port: 0, hostname: '127.0.0.1', logger });
    // A real admin sign-in through the dashboard and the emulator's hosted pages, with the TOTP
    // code: creating a user is an admin action behind a step-up.
    ({ cookie } = await signInThroughApp(fetchFrom(dashboard.url), '/auth/login?returnTo=/admin&acr_values=urn:okta:loa:2fa:any', DEMO_USERS.admin, { cookieName: config.session.cookieName, totp: true }));
  });
  after(() => dashboard.close());

  test('the users list works with the read scope', async () => {
    const page = await fetch(`${dashboard.url}/admin/users`, { headers: { cookie } });
    assert.equal(page.status, 200);
    assert.match(await page.text(), /viewer@gatehouse\.test/);
  });

  test(
    'creating a user answers with a 4xx page that names the missing scope (not a 5xx)',
    async () => {
      const res = await fetch(`${dashboard.url}/admin/users`, {
        method: 'POST',
        headers: { cookie, Origin: APP_BASE_URL, 'Sec-Fetch-Site': 'same-origin', 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ email: 'panel.denied@gatehouse.test', firstName: 'Panel', lastName: 'Denied', password: 'Initial-pass-1234' }),
      });
      const html = await res.text();
      assert.match(html, /okta\.users\.manage/);
      assert.doesNotMatch(html, /BEGIN PRIVATE KEY|at .*\.ts:\d+/);
      assert.equal(emulator.directory.getUser('panel.denied@gatehouse.test'), null);
      assert.ok(!logs.some((line) => line.includes('PRIVATE KEY')), 'no key material in the logs');
      assert.ok(res.status >= 400 && res.status < 500, `status ${res.status}`);
    },
  );
});
