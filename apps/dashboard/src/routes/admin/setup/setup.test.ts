/**
 * The admin panel's Set-up check over the real app, stores and emulator; and the doctor's
 * `--url` checks against the real app (requests to the "deployed" URL go to `app.request`).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '@gatehouse/auth/config';
import { runDoctor } from '@gatehouse/doctor';
import { createHarness, type Harness } from '../../../testing/harness.ts';

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

  /** The deployed URL answered by the harness app in process; everything else over the network. */
  const routed: typeof fetch = (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    if (url.origin !== deployed) return fetch(input, init);
    return Promise.resolve(harness.app.request(`http://localhost:3000${url.pathname}${url.search}`, init));
  };

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

  test('the Universal Logout endpoint: what the deployed app answers an unsigned request decides', async () => {
    const report = await runDoctor(harness.config, { url: deployed, fetch: routed });
    const finding = report.findings.find((candidate) => candidate.id === 'hooks.universal-logout');
    const answer = (await routed(`${deployed}/auth/global-token-revocation`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' })).status;
    assert.equal(finding?.status, answer === 400 || answer === 401 ? 'ok' : answer === 404 || answer === 403 ? 'warning' : 'problem', `${answer}: ${finding?.found}`);
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
