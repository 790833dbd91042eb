import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { metricsApp } from '../../metrics-server.ts';
import { createHarness, SAME_ORIGIN, type Harness } from '../../testing/harness.ts';

describe('/healthz and /metrics', () => {
  let h: Harness;
  before(async () => {
    // An issuer nobody listens on: liveness must not care, readiness must.
    h = await createHarness({ env: { OKTA_ISSUER: 'http://127.0.0.1:9/oauth2/default', OKTA_CLIENT_ID: 'x', OKTA_CLIENT_SECRET: 'y' } });
  });
  after(() => h.close());

  test('/healthz is 200 {status: ok} without a session', async () => {
    const res = await h.request('/healthz');
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { status: 'ok' });
  });

  test('/readyz is 200 "degraded" when only the IdP is unreachable: signed-in users still work here', async () => {
    const res = await h.request('/readyz');
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { status: 'degraded', checks: { sessionStore: 'ok', identityProvider: 'degraded' }, reasons: { identityProvider: 'network_error' } });
  });

  test('/metrics: default metrics, requests by matched route, auth events by type/result/reason, active sessions', async () => {
    const admin = await h.signIn('admin', { authAgeSeconds: 5, amr: ['pwd', 'otp', 'mfa'] });
    const viewer = await h.signIn('viewer');
    await h.request('/profile', { cookie: viewer.cookie });
    await h.request(`/admin/sessions/${viewer.session.id}/revoke`, { method: 'POST', cookie: admin.cookie, headers: { ...SAME_ORIGIN, 'Content-Type': 'application/x-www-form-urlencoded' }, body: '' });
    await h.deps.audit.record({ type: 'signin.failed', result: 'failure', reason: 'groups_claim_missing' });
    await h.request('/no/such/page/12345');

    const res = await metricsApp(h.deps.metrics).request('/metrics');
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
    const text = await res.text();
    assert.match(text, /^process_cpu_user_seconds_total /m);
    assert.match(text, /^gatehouse_http_requests_total\{method="GET",route="\/profile",status="200"\} 1$/m);
    assert.match(text, /^gatehouse_http_requests_total\{method="POST",route="\/admin\/sessions\/:id\/revoke",status="303"\} 1$/m);
    assert.match(text, /^gatehouse_http_requests_total\{method="GET",route="unmatched",status="404"\} 1$/m);
    assert.doesNotMatch(text, /12345/);
    assert.match(text, /^gatehouse_auth_events_total\{type="signin.failed",result="failure",reason="groups_claim_missing"\} 1$/m);
    assert.match(text, /^gatehouse_auth_events_total\{type="admin.action",result="success",reason=""\} 1$/m);
    assert.match(text, /^gatehouse_active_sessions 1$/m);
    // Regression: /metrics was served on the public port; it now lives on METRICS_PORT.
    const pub = await h.request('/metrics');
    assert.equal(pub.status, 404);
    assert.doesNotMatch(await pub.text(), /process_cpu/);
  });
});

describe('/metrics behind METRICS_TOKEN on the app port', () => {
  const token = 'scrape-token-0123456789abcdefghij';
  let h: Harness;
  before(async () => {
    h = await createHarness({ env: { METRICS_TOKEN: token } });
  });
  after(() => h.close());

  test('needs Authorization: Bearer <METRICS_TOKEN>; anything else is a 401', async () => {
    assert.equal(h.config.metrics.port, null);
    for (const authorization of [undefined, 'Bearer wrong', `Bearer ${token}x`, token, `Basic ${token}`]) {
      const res = await h.request('/metrics', authorization ? { headers: { authorization } } : {});
      assert.equal(res.status, 401, String(authorization));
      assert.doesNotMatch(await res.text(), /process_cpu/);
    }
    const ok = await h.request('/metrics', { headers: { authorization: `Bearer ${token}` } });
    assert.equal(ok.status, 200);
    assert.match(await ok.text(), /^gatehouse_active_sessions /m);
  });
});

describe('/readyz with the emulator', () => {
  let h: Harness;
  before(async () => {
    h = await createHarness({ emulator: true });
  });
  after(() => h.close());

  test('is 200 when the store answers and the IdP discovery document loads', async () => {
    const res = await h.request('/readyz');
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { status: 'ready', checks: { sessionStore: 'ok', identityProvider: 'ok' } });
  });
});
