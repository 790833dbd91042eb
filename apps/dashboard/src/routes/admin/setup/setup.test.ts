/**
 * The admin panel's Set-up check over the real app, stores and emulator; and the doctor's
 * `--url` checks against the real app (requests to the "deployed" URL go to `app.request`).
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '@gatehouse/auth/config';
import { PROBE_HEADER, PROBE_PATH, probeHeader, runDoctor } from '@gatehouse/doctor';
import { DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, startEmulator } from '@gatehouse/okta-emulator';
import { createHarness, type Harness } from '../../../testing/harness.ts';
import { startKeycloakRealm, type KeycloakRealm } from '../../../testing/keycloak-realm.ts';

describe('/admin/setup', () => {
  let harness: Harness;
  before(async () => {
    harness = await createHarness({ emulator: true });
  });
  after(() => harness.close());

  test('an admin sees every check with its result; the demo org has no problem', async () => {
    const { cookie } = await harness.signIn('admin');
    const response = await harness.request('/admin/setup?user=viewer%40gatehouse.test', { cookie });
    assert.equal(response.status, 200);
    const html = await response.text();
    assert.match(html, /<h1[^>]*>Set-up check<\/h1>/);
    assert.match(html, /No problems/);
    assert.match(html, /id="check-authz.groups-claim"[\s\S]*?badge--success/);
    assert.match(html, /viewer@gatehouse\.test: groups claim \[viewer\] → viewer/);
    assert.match(html, /aria-current="page">Set-up check</);
    assert.ok(!html.includes(harness.config.okta.clientSecret));
  });

  test('a value that is not a login is left out with a notice', async () => {
    const { cookie } = await harness.signIn('admin');
    const html = await (await harness.request('/admin/setup?user=a%20b%0A', { cookie })).text();
    assert.match(html, /That is not an Okta login/);
    assert.match(html, /pass --user &lt;login&gt;|pass --user <login>/);
  });

  test('viewers and the signed-out never see it', async () => {
    const { cookie } = await harness.signIn('viewer');
    assert.equal((await harness.request('/admin/setup', { cookie })).status, 403);
    const anonymous = await harness.request('/admin/setup');
    assert.equal(anonymous.status, 302);
  });
});

describe('doctor --url against the running app', () => {
  let harness: Harness;
  const deployed = 'https://gatehouse.example.com';
  before(async () => {
    harness = await createHarness({ emulator: true });
  });
  after(() => harness.close());

  /**
   * The deployed URL answered by the harness app in process; everything else over the network.
   * `proxies` stands for reverse proxies in front of the app, each appending the address it saw.
   */
  const via = (target: () => Harness, proxies = 0): typeof fetch => (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    if (url.origin !== deployed) return fetch(input, init);
    const headers = new Headers(init?.headers);
    for (let hop = 0; hop < proxies; hop++) {
      const seen = `203.0.113.${10 + hop}`;
      headers.set('x-forwarded-for', headers.has('x-forwarded-for') ? `${headers.get('x-forwarded-for')}, ${seen}` : seen);
    }
    return Promise.resolve(target().app.request(`http://localhost:3000${url.pathname}${url.search}`, { ...init, headers }));
  };
  const routed = via(() => harness);

  test('the deployed app sends the redirect URI this configuration registers', async () => {
    const report = await runDoctor(harness.config, { url: deployed, fetch: routed });
    const finding = report.findings.find((candidate) => candidate.id === 'deploy.redirect-uri');
    assert.equal(finding?.status, 'ok', finding?.found);
  });

  test('an app served over https that believes it is on http: the TLS-proxy mistake, named', async () => {
    const intended = loadConfig({ ...harnessEnv(harness), APP_BASE_URL: deployed }, { envFile: false });
    const report = await runDoctor(intended, { url: deployed, fetch: routed });
    const finding = report.findings.find((candidate) => candidate.id === 'deploy.redirect-uri');
    assert.equal(finding?.status, 'problem');
    assert.match(finding?.found ?? '', /sends redirect_uri http:\/\/localhost:3000\/auth\/callback.*behind a TLS proxy/);
    assert.match(finding?.fix ?? '', /APP_BASE_URL=https:\/\/gatehouse\.example\.com/);
  });

  test('the Universal Logout endpoint refuses a request without credentials and one the org did not sign: ok, and no session ends', async () => {
    const { cookie } = await harness.signIn('admin');
    const report = await runDoctor(harness.config, { url: deployed, fetch: routed, only: ['hooks.universal-logout'] });
    const finding = report.findings[0];
    assert.equal(finding?.status, 'ok', finding?.found);
    assert.match(finding?.found ?? '', /refuses a request without credentials and one not signed by the Okta org \(401 each; checked against http:\/\/localhost:\d+\/oauth2\/v1\/keys\)/);
    assert.equal((await harness.request('/profile', { cookie })).status, 200, 'the doctor changed nothing: the session is still open');
  });
});

describe('doctor --url: a Universal Logout endpoint that cannot work', () => {
  const deployed = 'https://gatehouse.example.com';
  /** The deployed URL answered by `target`'s app in process. */
  const via = (target: Harness): typeof fetch => (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    if (url.origin !== deployed) return fetch(input, init);
    return Promise.resolve(target.app.request(`http://localhost:3000${url.pathname}${url.search}`, init));
  };
  const check = async (config: Harness['config'], options: { url: string; fetch?: typeof fetch }) => (await runDoctor(config, { ...options, only: ['hooks.universal-logout'] })).findings[0];

  test("an app that cannot fetch the Okta org's keys: every real logout request would fail, a problem", async () => {
    const isolated = await createHarness({ env: { OKTA_ISSUER: `http://127.0.0.1:${await closedPort()}/oauth2/default`, OKTA_CLIENT_ID: DEMO_CLIENT_ID, OKTA_CLIENT_SECRET: DEMO_CLIENT_SECRET } });
    try {
      const finding = await check(isolated.config, { url: deployed, fetch: via(isolated) });
      assert.equal(finding?.status, 'problem', finding?.found);
      assert.match(finding?.found ?? '', /answers 503 to a signed logout request: the app cannot fetch the Okta org's keys at http:\/\/127\.0\.0\.1:\d+\/oauth2\/v1\/keys/);
      assert.match(finding?.fix ?? '', /egress proxy, firewall, NetworkPolicy/);
    } finally {
      await isolated.close();
    }
  });

  test('a deployed URL that does not serve the endpoint: a warning; one that does not answer: a problem', async () => {
    const emulator = await startEmulator();
    try {
      const config = loadConfig({ NODE_ENV: 'test', OKTA_ISSUER: emulator.issuer, OKTA_CLIENT_ID: DEMO_CLIENT_ID, OKTA_CLIENT_SECRET: DEMO_CLIENT_SECRET, SESSION_SECRET: 'test-session-secret-0123456789-abcdefghij', DATABASE_URL: 'file::memory:' }, { envFile: false });
      // The emulator is a real HTTP server that is not Gatehouse: no such route.
      const elsewhere = await check(config, { url: emulator.url });
      assert.equal(elsewhere?.status, 'warning', elsewhere?.found);
      assert.match(elsewhere?.found ?? '', /answers 404: this deployment does not serve Universal Logout/);
      const down = await check(config, { url: `http://127.0.0.1:${await closedPort()}` });
      assert.equal(down?.status, 'problem', down?.found);
      assert.match(down?.found ?? '', /could not be reached \(ECONNREFUSED\)/);
    } finally {
      await emulator.close();
    }
  });
});

/** A port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  await new Promise((done) => server.close(done));
  return port;
}

describe('TRUST_PROXY_HOPS against the proxies really in front of the app', () => {
  let direct: Harness;
  let trusting: Harness;
  const deployed = 'https://gatehouse.example.com';
  before(async () => {
    [direct, trusting] = await Promise.all([createHarness(), createHarness({ env: { TRUST_PROXY_HOPS: '1' } })]);
  });
  after(() => Promise.all([direct.close(), trusting.close()]));

  const via = (target: Harness, proxies: number): typeof fetch => (input, init) => {
    const url = new URL(String(input));
    const headers = new Headers(init?.headers);
    for (let hop = 0; hop < proxies; hop++) headers.set('x-forwarded-for', `${headers.get('x-forwarded-for') ?? ''}, 203.0.113.${10 + hop}`.replace(/^, /, ''));
    return Promise.resolve(target.app.request(`http://localhost:3000${url.pathname}${url.search}`, { ...init, headers }));
  };
  const hops = async (target: Harness, proxies: number) => {
    const report = await runDoctor(target.config, { url: deployed, fetch: via(target, proxies), only: ['deploy.proxy-hops'] });
    return report.findings[0];
  };

  test('no proxy and TRUST_PROXY_HOPS=0; one proxy and TRUST_PROXY_HOPS=1: ok', async () => {
    assert.equal((await hops(direct, 0))?.status, 'ok');
    assert.equal((await hops(trusting, 1))?.status, 'ok');
  });

  test('one proxy the app does not trust: everyone shares the proxy\'s address', async () => {
    const finding = await hops(direct, 1);
    assert.equal(finding?.status, 'problem');
    assert.match(finding?.found ?? '', /pass 1 proxy adding X-Forwarded-For, TRUST_PROXY_HOPS is 0/);
    assert.match(finding?.fix ?? '', /TRUST_PROXY_HOPS=1/);
  });

  test('a trusted hop with no proxy: a made-up X-Forwarded-For is believed', async () => {
    const finding = await hops(trusting, 0);
    assert.equal(finding?.status, 'problem');
    assert.match(finding?.found ?? '', /anyone can choose theirs/);
    assert.match(finding?.fix ?? '', /TRUST_PROXY_HOPS=0/);
  });

  test('the probe route is a 404 without a fresh MAC made with the session secret', async () => {
    const ask = (value?: string) => direct.app.request(`http://localhost:3000${PROBE_PATH}`, { headers: value ? { [PROBE_HEADER]: value } : {} });
    assert.equal((await ask()).status, 404);
    assert.equal((await ask(await probeHeader('another-secret-0123456789-abcdefghijkl'))).status, 404);
    assert.equal((await ask(await probeHeader(direct.config.session.secrets[0] ?? '', Date.now() - 600_000))).status, 404);
    assert.equal((await ask('1.x')).status, 404);
    assert.equal((await ask(await probeHeader(direct.config.session.secrets[0] ?? ''))).status, 200);
  });
});

describe('the doctor against an OpenID provider that is not Okta', () => {
  let realm: KeycloakRealm;
  before(async () => {
    realm = await startKeycloakRealm({ clientId: 'gatehouse', clientSecret: 'keycloak-client-secret-for-tests', redirectUri: 'http://localhost:3000/auth/callback', users: [] });
  });
  after(() => realm.close());

  test('the protocol checks run; the Okta-only ones are skipped, not failed', async () => {
    const config = loadConfig({ NODE_ENV: 'test', OKTA_ISSUER: realm.issuer, OKTA_CLIENT_ID: 'gatehouse', OKTA_CLIENT_SECRET: 'keycloak-client-secret-for-tests', OKTA_SCOPES: 'openid profile email', SESSION_SECRET: 'Kq3v9ZpLx2Wm7Rt5Yb8Nc4Hd6Jf1Gs0Ae-Ui_Oo', DATABASE_URL: 'file::memory:' }, { envFile: false });
    const report = await runDoctor(config, { only: ['idp.discovery', 'client.credentials', 'client.sign-in-redirect', 'idp.authorization-server', 'management.access', 'authz.groups-claim'] });
    const status = Object.fromEntries(report.findings.map((finding) => [finding.id, finding.status]));
    assert.deepEqual(status, {
      // This realm, like some Keycloak set-ups, has no end-session endpoint: said, not failed.
      'idp.discovery': 'warning',
      'idp.authorization-server': 'skipped',
      'client.credentials': 'ok',
      'client.sign-in-redirect': 'ok',
      'management.access': 'skipped',
      'authz.groups-claim': 'skipped',
    }, JSON.stringify(report.findings, null, 1));
  });
});

/** The variables the harness loaded its config from (the emulator's issuer and client). */
function harnessEnv(harness: Harness): Record<string, string> {
  const { config } = harness;
  return {
    NODE_ENV: 'test',
    OKTA_ISSUER: config.okta.issuer,
    OKTA_CLIENT_ID: config.okta.clientId,
    OKTA_CLIENT_SECRET: config.okta.clientSecret,
    OKTA_API_TOKEN: config.okta.apiToken ?? '',
    SESSION_SECRET: config.session.secrets[0] ?? '',
    DATABASE_URL: config.databaseUrl,
  };
}
