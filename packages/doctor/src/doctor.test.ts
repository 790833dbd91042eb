/**
 * Every check, passing and failing, against the real Okta emulator misconfigured in each of the
 * ways a real org goes wrong. One emulator per kind of org; many doctor runs against each.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { exportJWK, exportPKCS8, generateKeyPair } from 'jose';
import pg from 'pg';
import { openStores } from '@gatehouse/auth/stores/factory';
import { postgresUrl, redisUrl, requirePostgres } from '@gatehouse/auth/testing/backends';
import { DEMO_API_TOKEN, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, EVENT_HOOK_EVENT_TYPES, loadSeed, startEmulator, type DirectorySeed, type Emulator } from '@gatehouse/okta-emulator';
import { HOOK_EVENTS } from './checks/deployment.ts';
import { formatReport } from './format.ts';
import { CHECKS } from './run.ts';
import { APP_BASE_URL, TEST_SESSION_SECRET, configFor, diagnose as runAndIndex, tempDir, type Diagnosis } from './testing.ts';
import type { DoctorOptions, GatehouseConfig } from './types.ts';

const temp = tempDir();
after(() => temp.cleanup());

/** Every status each check was seen with in this file: the last test asks for a pass and a failure of each. */
const seen = new Map<string, Set<string>>();
async function diagnose(config: GatehouseConfig, options?: DoctorOptions): Promise<Diagnosis> {
  const diagnosis = await runAndIndex(config, options);
  for (const { id, status } of diagnosis.report.findings) seen.set(id, (seen.get(id) ?? new Set()).add(status));
  return diagnosis;
}

const HOOK = { name: 'Gatehouse', url: `${APP_BASE_URL}/hooks/okta`, events: [...HOOK_EVENTS], authScheme: { type: 'HEADER' as const, key: 'Authorization', value: 'hook-secret-for-tests' } };

function seedWith(change: (seed: DirectorySeed) => void): DirectorySeed {
  const seed = structuredClone(loadSeed());
  change(seed);
  return seed;
}

/** A port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  await new Promise((done) => server.close(done));
  return port;
}

/** Nothing secret ends up in what the doctor prints. */
function assertNoSecrets(text: string): void {
  for (const secret of [DEMO_CLIENT_SECRET, DEMO_API_TOKEN, TEST_SESSION_SECRET, 'hook-secret-for-tests', 'BEGIN PRIVATE KEY']) assert.ok(!text.includes(secret), `the report shows ${secret.slice(0, 6)}…`);
  assert.ok(!/\n\s+at .+:\d+:\d+/.test(text), 'the report holds a stack trace');
}

describe('a correct set-up', () => {
  let emulator: Emulator;
  let serviceKey: string;
  let narrowKey: string;
  before(async () => {
    const keys = await Promise.all([generateKeyPair('RS256', { extractable: true }), generateKeyPair('RS256', { extractable: true })]);
    const jwks = await Promise.all(keys.map(async ({ publicKey }, i) => ({ keys: [{ ...(await exportJWK(publicKey)), kid: `k${i}`, alg: 'RS256', use: 'sig' }] })));
    [serviceKey, narrowKey] = await Promise.all(keys.map(({ privateKey }) => exportPKCS8(privateKey))) as [string, string];
    // The app has started once against this database: its stores created their tables.
    await (await openStores(configFor(null, temp.dir))).close();
    emulator = await startEmulator({
      seed: seedWith((seed) => {
        seed.eventHooks = [HOOK];
        seed.users.push({ status: 'SUSPENDED', profile: { login: 'gone@gatehouse.test', email: 'gone@gatehouse.test', firstName: 'Gone', lastName: 'Away' }, groups: ['admin'] });
        // ops: a group not assigned to the app; oncall@ is assigned individually, ops@ and stranger@ not at all.
        seed.groups.push({ name: 'ops' });
        for (const [login, groups] of [['ops@gatehouse.test', ['ops']], ['oncall@gatehouse.test', ['ops']], ['stranger@gatehouse.test', []]] as const) {
          seed.users.push({ profile: { login, email: login, firstName: 'Test', lastName: 'User' }, groups: [...groups] });
        }
        Object.assign(seed.apps[0]!, { groupAssignments: ['admin', 'viewer'], userAssignments: ['norole@gatehouse.test', 'oncall@gatehouse.test'] });
        seed.apps.push(
          { clientId: '0oa1doctorreadallsvc', name: 'Doctor (all read scopes)', tokenEndpointAuthMethod: 'private_key_jwt', jwks: jwks[0], grantedScopes: ['okta.apps.read', 'okta.authorizationServers.read', 'okta.groups.read', 'okta.users.read', 'okta.eventHooks.read'] },
          { clientId: '0oa1doctorusersonlys', name: 'Doctor (users only)', tokenEndpointAuthMethod: 'private_key_jwt', jwks: jwks[1], grantedScopes: ['okta.users.read'] },
        );
      }),
    });
  });
  after(() => emulator.close());

  test('every check is ok, and the report says so in one line each', async () => {
    const { report } = await diagnose(configFor(emulator, temp.dir), { user: 'admin@gatehouse.test' });
    const notOk = report.findings.filter((finding) => finding.status !== 'ok');
    assert.deepEqual(notOk.map((finding) => `${finding.id}: ${finding.status}`), ['hooks.universal-logout: skipped', 'deploy.redirect-uri: skipped', 'deploy.proxy-hops: skipped'], formatReport(report));
    assert.equal(report.problems, 0);
    assert.deepEqual(report.findings.map((finding) => finding.id), CHECKS.map((check) => check.id));
    const text = formatReport(report);
    assert.equal(text.split('\n').filter((line) => /^(ok|warning|PROBLEM|skipped) /.test(line)).length, CHECKS.length);
    assert.match(text, /No problems\./);
    assertNoSecrets(text);
  });

  test("npm start's own Event Hook passes: the emulator takes a subscription to every event the receiver handles (the doctor flagged the demo's hook)", () => {
    assert.deepEqual(HOOK_EVENTS.filter((type) => !EVENT_HOOK_EVENT_TYPES.includes(type)), []);
  });

  test('a service app with every read scope passes the Management API checks', async () => {
    const d = await diagnose(configFor(emulator, temp.dir, { OKTA_API_TOKEN: '', OKTA_MANAGEMENT_CLIENT_ID: '0oa1doctorreadallsvc', OKTA_MANAGEMENT_PRIVATE_KEY: serviceKey }), { user: 'viewer@gatehouse.test' });
    assert.equal(d.get('management.access').status, 'ok', d.get('management.access').found);
    assert.match(d.get('management.access').found, /service app 0oa1doctorreadallsvc/);
    assert.equal(d.get('authz.groups-claim').status, 'ok');
    assert.match(d.get('user.role').found, /viewer@gatehouse\.test: groups claim \[viewer\] → viewer/);
  });

  test('a service app missing scopes: a problem naming the scope and where to grant it; dependent checks skipped', async () => {
    const d = await diagnose(configFor(emulator, temp.dir, { OKTA_API_TOKEN: '', OKTA_MANAGEMENT_CLIENT_ID: '0oa1doctorusersonlys', OKTA_MANAGEMENT_PRIVATE_KEY: narrowKey }));
    const access = d.get('management.access');
    assert.equal(access.status, 'problem');
    assert.match(access.found, /scope okta\.apps\.read/);
    assert.match(access.fix ?? '', /Okta API Scopes → Grant okta\.apps\.read/);
    assert.equal(d.get('client.app').status, 'skipped');
    assert.equal(d.get('client.sign-in-redirect').status, 'ok', 'probes that need no Management API still run');
    assertNoSecrets(JSON.stringify(d.report));
  });

  test('an API token Okta does not know: 401 is a finding with its fix, never a stack trace', async () => {
    const d = await diagnose(configFor(emulator, temp.dir, { OKTA_API_TOKEN: '00this-token-does-not-exist-anywhere00' }));
    const access = d.get('management.access');
    assert.equal(access.status, 'problem');
    assert.match(access.found, /answered 401 E0000011/);
    assert.match(access.fix ?? '', /Security → API → Tokens/);
    assert.ok(!JSON.stringify(d.report).includes('00this-token-does-not-exist-anywhere00'));
    assert.equal(d.get('groups.exist').status, 'skipped');
  });

  test('no Management API credentials: a warning, and the checks that need them are skipped', async () => {
    const d = await diagnose(configFor(emulator, temp.dir, { OKTA_API_TOKEN: '' }));
    assert.equal(d.get('management.access').status, 'warning');
    assert.equal(d.get('authz.groups-claim').status, 'skipped');
    assert.equal(d.get('client.credentials').status, 'ok');
    assert.equal(d.report.problems, 0);
  });

  test('a client id Okta does not know, or one of a service app: the App integration check says which', async () => {
    const unknown = (await diagnose(configFor(emulator, temp.dir, { OKTA_CLIENT_ID: '0oa1nosuchclient0000' }), { only: ['client.app'] })).get('client.app');
    assert.equal(unknown.status, 'problem');
    assert.match(unknown.found, /has no app with client id 0oa1nosuchclient0000/);
    assert.match(unknown.fix ?? '', /Client Credentials → Client ID: copy it into OKTA_CLIENT_ID/);
    const service = (await diagnose(configFor(emulator, temp.dir, { OKTA_CLIENT_ID: '0oa1doctorreadallsvc' }), { only: ['client.app'] })).get('client.app');
    assert.equal(service.status, 'problem');
    assert.match(service.found, /is OPENID_CONNECT \/ service, not an OIDC Web Application/);
  });

  test('wrong client secret: invalid_client, with where to copy the secret from', async () => {
    const d = await diagnose(configFor(emulator, temp.dir, { OKTA_CLIENT_SECRET: 'not-the-secret-of-this-app-at-all' }));
    assert.equal(d.get('client.credentials').status, 'problem');
    assert.match(d.get('client.credentials').found, /invalid_client/);
    assert.match(d.get('client.credentials').fix ?? '', /General → Client Credentials/);
    assert.ok(!JSON.stringify(d.report).includes('not-the-secret-of-this-app-at-all'));
  });

  test('the org authorization server instead of the custom one', async () => {
    // Known from the issuer alone (an Okta host without /oauth2/<id>): no request is made.
    const d = await diagnose(configFor(emulator, temp.dir, { OKTA_ISSUER: 'https://gatehouse-doctor.okta.com' }), { only: ['idp.authorization-server'] });
    assert.equal(d.get('idp.authorization-server').status, 'problem');
    assert.match(d.get('idp.authorization-server').fix ?? '', /oauth2\/default/);
  });

  test('an issuer that differs from the one Okta announces', async () => {
    const d = await diagnose(configFor(emulator, temp.dir, { OKTA_ISSUER: emulator.issuer.replace('localhost', '127.0.0.1') }));
    const finding = d.get('idp.discovery');
    assert.equal(finding.status, 'problem');
    assert.match(finding.found, /names the issuer http:\/\/localhost:\d+\/oauth2\/default/);
    assert.equal(d.get('client.credentials').status, 'skipped');
  });

  test('a clock minutes off: a problem; seconds off: a warning', async () => {
    const far = await diagnose(configFor(emulator, temp.dir), { now: () => Date.now() + 180_000 });
    assert.equal(far.get('idp.clock').status, 'problem');
    assert.match(far.get('idp.clock').found, /18\d s ahead of the identity provider's/);
    const near = await diagnose(configFor(emulator, temp.dir), { now: () => Date.now() - 20_000 });
    assert.equal(near.get('idp.clock').status, 'warning');
  });

  test('an IdP without RFC 9207 iss: a warning; one naming another issuer: a problem', async () => {
    /** The emulator's answers with the authorization response's iss removed or replaced (an IdP unlike the emulator). */
    const rewriting = (iss: string | null): typeof fetch => async (input, init) => {
      const response = await fetch(input, init);
      const location = URL.parse(response.headers.get('location') ?? '');
      if (!location?.searchParams.has('iss')) return response;
      if (iss === null) location.searchParams.delete('iss');
      else location.searchParams.set('iss', iss);
      const headers = new Headers(response.headers);
      headers.set('location', location.href);
      return new Response(null, { status: response.status, headers });
    };
    const config = configFor(emulator, temp.dir);
    const missing = (await diagnose(config, { fetch: rewriting(null), only: ['idp.rfc9207'] })).get('idp.rfc9207');
    assert.equal(missing.status, 'warning');
    assert.match(missing.found, /no iss parameter/);
    const other = (await diagnose(config, { fetch: rewriting('https://attacker.example/oauth2/default'), only: ['idp.rfc9207'] })).get('idp.rfc9207');
    assert.equal(other.status, 'problem');
  });

  test('an audience other than the server\'s', async () => {
    const d = await diagnose(configFor(emulator, temp.dir, { OKTA_AUDIENCE: 'api://reports' }));
    assert.equal(d.get('authz.audience').status, 'problem');
    assert.match(d.get('authz.audience').fix ?? '', /OKTA_AUDIENCE=api:\/\/default/);
  });

  test('group names that do not exist, or differ in case', async () => {
    const d = await diagnose(configFor(emulator, temp.dir, { GATEHOUSE_ADMIN_GROUPS: 'Admin', GATEHOUSE_VIEWER_GROUPS: 'gatehouse-viewers' }));
    const finding = d.get('groups.exist');
    assert.equal(finding.status, 'problem');
    assert.match(finding.found, /Admin \(Okta has admin: names match exactly, case included\)/);
    assert.match(finding.found, /gatehouse-viewers/);
    assert.equal(d.get('groups.assigned').status, 'skipped');
  });

  test('--user: an unknown login, a suspended one, one with no role', async () => {
    const config = configFor(emulator, temp.dir);
    assert.equal((await diagnose(config, { user: 'nobody@gatehouse.test' })).get('user.role').status, 'problem');
    const suspended = (await diagnose(config, { user: 'gone@gatehouse.test' })).get('user.role');
    assert.equal(suspended.status, 'problem');
    assert.match(suspended.found, /SUSPENDED/);
    const norole = (await diagnose(config, { user: 'norole@gatehouse.test' })).get('user.role');
    assert.equal(norole.status, 'warning');
    assert.match(norole.found, /→ no role; assigned to "Gatehouse" individually \(the no-access page\)/);
  });

  test('--user: assigned to the app through a group, or individually: ok, and says which', async () => {
    const config = configFor(emulator, temp.dir, { GATEHOUSE_VIEWER_GROUPS: 'viewer,ops' });
    const admin = (await diagnose(config, { user: 'admin@gatehouse.test' })).get('user.role');
    assert.equal(admin.status, 'ok', admin.found);
    assert.match(admin.found, /admin@gatehouse\.test: groups claim \[admin\] → admin; assigned to "Gatehouse" through the group admin$/);
    const oncall = (await diagnose(config, { user: 'oncall@gatehouse.test' })).get('user.role');
    assert.equal(oncall.status, 'ok', oncall.found);
    assert.match(oncall.found, /groups claim \[ops\] → viewer; assigned to "Gatehouse" individually$/);
  });

  test('--user: a role from their groups but not assigned to the app is a problem; no role and not assigned a warning', async () => {
    const config = configFor(emulator, temp.dir, { GATEHOUSE_VIEWER_GROUPS: 'viewer,ops' });
    const ops = (await diagnose(config, { user: 'ops@gatehouse.test' })).get('user.role');
    assert.equal(ops.status, 'problem', ops.found);
    assert.match(ops.found, /groups claim \[ops\] → viewer; not assigned to "Gatehouse": Okta refuses their sign-in/);
    assert.match(ops.fix ?? '', /Applications → Applications → Gatehouse → Assignments → Assign → Assign to Groups/);
    const stranger = (await diagnose(config, { user: 'stranger@gatehouse.test' })).get('user.role');
    assert.equal(stranger.status, 'warning', stranger.found);
    assert.match(stranger.found, /→ no role; not assigned to "Gatehouse"$/);
    assert.match(stranger.fix ?? '', /and assign that group to the app/);
  });

  test('a base URL the app is not registered under: redirect URIs and the Event Hook all say so', async () => {
    const d = await diagnose(configFor(emulator, temp.dir, { APP_BASE_URL: 'http://localhost:3999' }));
    assert.equal(d.get('client.sign-in-redirect').status, 'problem');
    assert.match(d.get('client.sign-in-redirect').fix ?? '', /Sign-in redirect URIs: add http:\/\/localhost:3999\/auth\/callback/);
    assert.equal(d.get('client.sign-out-redirect').status, 'problem');
    assert.equal(d.get('hooks.event-hook').status, 'problem');
    assert.match(d.get('hooks.event-hook').found, /points at http:\/\/localhost:3000\/hooks\/okta/);
  });

  test('plain http on a public host, a published session secret, an unreachable database', async () => {
    const d = await diagnose(configFor(emulator, temp.dir, { APP_BASE_URL: 'http://gatehouse.example.com', SESSION_SECRET: `${TEST_SESSION_SECRET},${DEMO_CLIENT_SECRET}`, DATABASE_URL: 'postgres://doctor:pw-not-shown@127.0.0.1:1/gatehouse' }));
    assert.equal(d.get('deploy.https').status, 'problem');
    assert.equal(d.get('session.secret').status, 'problem');
    assert.match(d.get('session.secret').found, /published in this repository/);
    const store = d.get('store');
    assert.equal(store.status, 'problem');
    assert.match(store.found, /PostgreSQL at 127\.0\.0\.1:1\/gatehouse/);
    assert.ok(!JSON.stringify(d.report).includes('pw-not-shown'));
    assertNoSecrets(JSON.stringify(d.report));
  });
});

describe('the store, checked read-only', () => {
  const store = async (env: Record<string, string>) => (await diagnose(configFor(null, temp.dir, env), { only: ['store'] })).get('store');
  let n = 0;
  const sqliteFile = () => {
    const dir = join(temp.dir, `store-${++n}`);
    mkdirSync(dir);
    return join(dir, 'gatehouse.db');
  };

  test('a fresh database (no file yet): a problem saying to start the app once, and the doctor creates nothing', async () => {
    const file = sqliteFile();
    const finding = await store({ DATABASE_URL: `file:${file}` });
    assert.equal(finding.status, 'problem');
    assert.match(finding.found, /SQLite at .*gatehouse\.db: no database file yet/);
    assert.match(finding.fix ?? '', /Run the migrations: start the app once against this database/);
    assert.equal(existsSync(file), false, 'the doctor created the database file');
  });

  test('an empty SQLite file: none of the tables, a problem; the file stays empty', async () => {
    const file = sqliteFile();
    new DatabaseSync(file).close();
    const finding = await store({ DATABASE_URL: `file:${file}` });
    assert.equal(finding.status, 'problem');
    assert.match(finding.found, /none of Gatehouse's tables \(auth_audit_events, auth_leases, auth_login_transactions, auth_sessions\) is there: a fresh database/);
    const db = new DatabaseSync(file, { readOnly: true });
    assert.deepEqual(db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table'").all(), []);
    db.close();
  });

  test('the tables of an older version (a column missing): a problem naming it', async () => {
    const file = sqliteFile();
    await (await openStores(configFor(null, temp.dir, { DATABASE_URL: `file:${file}` }))).close();
    const db = new DatabaseSync(file);
    db.exec('ALTER TABLE auth_sessions DROP COLUMN ip; DROP TABLE auth_leases;');
    db.close();
    const finding = await store({ DATABASE_URL: `file:${file}` });
    assert.equal(finding.status, 'problem');
    assert.match(finding.found, /missing table auth_leases; auth_sessions\.ip: the tables of an older version/);
  });

  test('a SQLite database the app has started on: ok, with its sessions counted', async () => {
    const file = sqliteFile();
    await (await openStores(configFor(null, temp.dir, { DATABASE_URL: `file:${file}` }))).close();
    const finding = await store({ DATABASE_URL: `file:${file}` });
    assert.equal(finding.status, 'ok', finding.found);
    assert.match(finding.found, /4 tables with this version's columns, 0 sessions/);
  });

  test('PostgreSQL: a fresh schema is a problem and stays empty; once the app has started on it, ok', async () => {
    await requirePostgres();
    const schema = `gh_doctor_${process.pid}_${Date.now().toString(36)}`;
    const admin = new pg.Client({ connectionString: postgresUrl });
    await admin.connect();
    try {
      await admin.query(`CREATE SCHEMA ${schema}`);
      const url = new URL(postgresUrl);
      url.searchParams.set('options', `-c search_path=${schema}`);
      const fresh = await store({ DATABASE_URL: url.href });
      assert.equal(fresh.status, 'problem', fresh.found);
      assert.match(fresh.found, /PostgreSQL at .*: none of Gatehouse's tables/);
      assert.match(fresh.fix ?? '', /start the app once/);
      const { rows } = await admin.query('SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = $1', [schema]);
      assert.equal(rows[0].n, 0, 'the doctor created tables');

      await (await openStores(configFor(null, temp.dir, { DATABASE_URL: url.href }))).close();
      const migrated = await store({ DATABASE_URL: url.href });
      assert.equal(migrated.status, 'ok', migrated.found);
      assert.match(migrated.found, /4 tables with this version's columns, 0 sessions/);

      // Beside Redis, PostgreSQL holds the audit log alone; Redis must answer too.
      const withRedis = await store({ DATABASE_URL: url.href, REDIS_URL: redisUrl });
      assert.equal(withRedis.status, 'ok', withRedis.found);
      assert.match(withRedis.found, /^Redis at .*: answers \(sessions need no tables\); PostgreSQL at .*: 1 table with this version's columns$/);
    } finally {
      await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await admin.end();
    }
  });

  test('Redis that does not answer: a problem with its cause', async () => {
    const file = sqliteFile();
    await (await openStores(configFor(null, temp.dir, { DATABASE_URL: `file:${file}` }))).close();
    const finding = await store({ DATABASE_URL: `file:${file}`, REDIS_URL: `redis://127.0.0.1:${await closedPort()}` });
    assert.equal(finding.status, 'problem', finding.found);
    assert.match(finding.found, /Redis at 127\.0\.0\.1:\d+: not reachable \(.*ECONNREFUSED/);
    assert.match(finding.fix ?? '', /fix DATABASE_URL \/ REDIS_URL/);
  });
});

describe('an org with the app and server set up wrong', () => {
  let emulator: Emulator;
  before(async () => {
    emulator = await startEmulator({
      seed: seedWith((seed) => {
        const app = seed.apps[0]!;
        Object.assign(app, { postLogoutRedirectUris: [], grantTypes: ['authorization_code'], pkceRequired: false, groupAssignments: ['viewer'] });
        seed.authorizationServer = { ...seed.authorizationServer, groupsClaim: { enabled: false, name: 'groups', filterRegex: '.*', maxGroups: 100 }, scopes: ['openid', 'profile', 'email', 'offline_access'] };
        seed.eventHooks = [{ ...HOOK, status: 'INACTIVE' }];
      }),
    });
  });
  after(() => emulator.close());

  test('each mistake is a problem (or warning) with the Admin Console fix', async () => {
    const d = await diagnose(configFor(emulator, temp.dir), { user: 'admin@gatehouse.test' });
    const expect = (id: string, status: string, fix: RegExp) => {
      const finding = d.get(id);
      assert.equal(finding.status, status, `${id}: ${finding.found}`);
      assert.match(finding.fix ?? '', fix, id);
    };
    expect('client.sign-out-redirect', 'problem', /Sign-out redirect URIs: add http:\/\/localhost:3000\//);
    expect('client.grant-types', 'problem', /Grant type: check Refresh Token/);
    expect('client.refresh-grant', 'problem', /Grant type: check Refresh Token/);
    expect('client.pkce', 'warning', /Require PKCE as additional verification/);
    expect('groups.assigned', 'problem', /Assignments → Assign → Assign to Groups → admin/);
    expect('authz.groups-claim', 'problem', /Claims → Add Claim: Name groups, Include in token type ID Token — Always/);
    expect('authz.groups-claim-access-token', 'warning', /Access Token — Always/);
    expect('authz.groups-scope', 'problem', /Scopes → Add Scope: Name groups/);
    expect('authz.scopes-accepted', 'problem', /Scopes → Add Scope/);
    expect('hooks.event-hook', 'problem', /Actions → Activate/);
    expect('user.role', 'problem', /Add Claim/);
    assert.equal(d.get('authz.groups-filter').status, 'skipped');
    assert.ok(d.report.problems >= 8);
    assert.match(formatReport(d.report), /problems, \d+ warnings: fix the problems before people sign in\./);
  });
});

describe('an org whose groups filter and access policy are too narrow', () => {
  let emulator: Emulator;
  before(async () => {
    emulator = await startEmulator({
      seed: seedWith((seed) => {
        seed.authorizationServer = {
          ...seed.authorizationServer,
          groupsClaim: { enabled: true, name: 'groups', filterRegex: 'gatehouse-.*', maxGroups: 100 },
          accessPolicies: [
            { name: 'Other apps', clients: ['0oa1someotherappxxxx'], rules: [{ name: 'Everything', grantTypes: ['authorization_code', 'refresh_token'] }] },
            { name: 'Gatehouse', clients: [DEMO_CLIENT_ID], rules: [{ name: 'Code only', grantTypes: ['authorization_code'], refreshTokenLifetimeMinutes: 60 }] },
          ],
        };
        // Partial: the six events the doctor asked for before it took the receiver's own list.
        const before = ['user.lifecycle.deactivate', 'user.lifecycle.suspend', 'user.lifecycle.delete.initiated', 'user.session.end', 'group.user_membership.add', 'group.user_membership.remove'];
        seed.eventHooks = [{ ...HOOK, events: ['user.lifecycle.deactivate'], verificationStatus: 'UNVERIFIED' }, { ...HOOK, name: 'Partial', events: before }];
      }),
    });
  });
  after(() => emulator.close());

  test('a filter that drops the configured groups; a rule without the refresh grant; lifetimes shorter than the session', async () => {
    const d = await diagnose(configFor(emulator, temp.dir), { user: 'admin@gatehouse.test' });
    assert.equal(d.get('authz.groups-filter').status, 'problem');
    assert.match(d.get('authz.groups-filter').found, /drops admin, viewer/);
    assert.equal(d.get('user.role').status, 'warning');
    assert.match(d.get('user.role').found, /groups claim \[\] → no role/);
    assert.equal(d.get('policy.rule').status, 'ok', d.get('policy.rule').found);
    assert.equal(d.get('policy.refresh').status, 'problem');
    assert.match(d.get('policy.refresh').fix ?? '', /Access Policies → Gatehouse → the rule → Edit → IF Grant type is: check Refresh Token/);
    assert.equal(d.get('client.refresh-grant').status, 'problem', 'the emulator enforces the policy: the refresh grant really fails');
    assert.equal(d.get('policy.lifetimes').status, 'warning');
    assert.match(d.get('policy.lifetimes').found, /refresh tokens live 1 h, sessions 12 h/);
  });

  test('an Event Hook missing events the receiver handles (app unassignment, sign-out everywhere, credential changes) is a problem', async () => {
    const finding = (await diagnose(configFor(emulator, temp.dir), { only: ['hooks.event-hook'] })).get('hooks.event-hook');
    assert.equal(finding.status, 'problem');
    assert.match(finding.found, /"Partial" is not subscribed to user\.session\.clear, application\.user_membership\.remove, user\.account\.update_password, user\.mfa\.factor\.deactivate$/);
    assert.match(finding.fix ?? '', /Subscribe to events: add user\.session\.clear/);
  });
});

describe('an org whose access policy leaves the app out', () => {
  let emulator: Emulator;
  before(async () => {
    emulator = await startEmulator({
      seed: seedWith((seed) => {
        seed.authorizationServer = { ...seed.authorizationServer, accessPolicies: [{ name: 'Other apps', clients: ['0oa1someotherappxxxx'], rules: [{ name: 'Everything', grantTypes: ['authorization_code', 'refresh_token'] }] }] };
        seed.eventHooks = [{ ...HOOK, verificationStatus: 'UNVERIFIED' }];
      }),
    });
  });
  after(() => emulator.close());

  test('no policy for the client; an unverified hook', async () => {
    const d = await diagnose(configFor(emulator, temp.dir));
    assert.equal(d.get('policy.rule').status, 'problem');
    assert.match(d.get('policy.rule').fix ?? '', /Add New Access Policy → Assign to: The following clients/);
    assert.equal(d.get('policy.refresh').status, 'skipped');
    assert.equal(d.get('hooks.event-hook').status, 'problem');
    assert.match(d.get('hooks.event-hook').fix ?? '', /Actions → Verify/);
  });
});

describe('an org at its rate limit, and an IdP that is not there', () => {
  let emulator: Emulator;
  before(async () => {
    emulator = await startEmulator({ seed: seedWith((seed) => void (seed.rateLimitPerMinute = 2)) });
  });
  after(() => emulator.close());

  test('429 from the Management API is a finding with its cause', async () => {
    const d = await diagnose(configFor(emulator, temp.dir));
    const access = d.get('management.access');
    assert.equal(access.status, 'problem');
    assert.match(access.found, /answered 429 E0000047/);
    assert.match(access.fix ?? '', /Rate Limits/);
  });

  test('an unreachable issuer: one problem with the cause, the rest skipped, nothing thrown', async () => {
    const d = await diagnose(configFor(null, temp.dir, { OKTA_ISSUER: `http://127.0.0.1:${await closedPort()}/oauth2/default`, OKTA_CLIENT_ID: DEMO_CLIENT_ID, OKTA_CLIENT_SECRET: DEMO_CLIENT_SECRET }));
    const discovery = d.get('idp.discovery');
    assert.equal(discovery.status, 'problem');
    assert.match(discovery.found, /ECONNREFUSED/);
    assert.match(discovery.fix ?? '', /Issuer URI/);
    for (const id of ['idp.clock', 'client.credentials', 'client.sign-in-redirect']) assert.equal(d.get(id).status, 'skipped', id);
    assertNoSecrets(formatReport(d.report));
  });
});

// These need the running app: tested passing and failing against it in apps/dashboard/src/routes/admin/setup/setup.test.ts.
const TESTED_AGAINST_THE_APP = ['hooks.universal-logout', 'deploy.redirect-uri', 'deploy.proxy-hops'];

test('every check was seen ok and seen failing (a warning or a problem) in the tests above', () => {
  const holes = CHECKS.filter((check) => !TESTED_AGAINST_THE_APP.includes(check.id)).flatMap((check) => {
    const statuses = seen.get(check.id) ?? new Set();
    return [...(statuses.has('ok') ? [] : [`${check.id} never ok`]), ...(statuses.has('warning') || statuses.has('problem') ? [] : [`${check.id} never failing`])];
  });
  assert.deepEqual(holes, []);
});
