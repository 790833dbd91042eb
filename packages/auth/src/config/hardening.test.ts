// Configuration rules added by the security review (issue 8): session-secret entropy, the step-up
// opt-out refused in production, the metrics listener and the new limits.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, parseConfig } from './index.ts';

const SECRET = 'a-session-secret-that-is-long-enough-0123';
const PROD = {
  NODE_ENV: 'production',
  OKTA_ISSUER: 'https://dev-1.okta.com/oauth2/default',
  OKTA_CLIENT_ID: '0oa1realclient',
  OKTA_CLIENT_SECRET: 'real-client-secret-value-xyz',
  SESSION_SECRET: SECRET,
  APP_BASE_URL: 'https://gatehouse.example.com',
};

function failure(env: Record<string, string>): ConfigError {
  try {
    parseConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  assert.fail('expected a ConfigError');
}

describe('config: SESSION_SECRET entropy', () => {
  it('a 32-character secret of one repeated letter is refused, with the fix in the message', () => {
    const error = failure({ ...PROD, SESSION_SECRET: 'a'.repeat(32) });
    assert.deepEqual(error.issues.map((issue) => issue.field), ['SESSION_SECRET']);
    assert.match(error.message, /fewer than 16 distinct characters/);
    assert.match(error.message, /openssl rand -base64 48/);
    assert.ok(!error.message.includes('a'.repeat(32)), 'never echoes the secret');
  });

  it('a short word repeated to length is refused too, also as an older rotation secret', () => {
    assert.ok(failure({ ...PROD, SESSION_SECRET: 'password'.repeat(5) }));
    assert.ok(failure({ ...PROD, SESSION_SECRET: `${SECRET},${'ab'.repeat(20)}` }));
  });

  it('a generated secret passes', () => {
    assert.deepEqual(parseConfig({ ...PROD, SESSION_SECRET: 'q3X9vLm2Zp8rT1sW6yB4nC7eD0fG5hJkQ2aR' }).session.secrets.length, 1);
  });
});

describe('config: step-up', () => {
  it('defaults to 300 s with a second factor required', () => {
    assert.deepEqual(parseConfig(PROD).stepUp, { maxAgeSeconds: 300, mfa: 'required' });
    assert.equal(parseConfig({ ...PROD, STEP_UP_MAX_AGE: '120' }).stepUp.maxAgeSeconds, 120);
  });

  it('STEP_UP_MFA=if-enrolled is refused in production unless STEP_UP_MFA_INSECURE_OK=1', () => {
    const error = failure({ ...PROD, STEP_UP_MFA: 'if-enrolled' });
    assert.deepEqual(error.issues.map((issue) => issue.field), ['STEP_UP_MFA']);
    assert.match(error.message, /STEP_UP_MFA_INSECURE_OK=1/);
    assert.equal(parseConfig({ ...PROD, STEP_UP_MFA: 'if-enrolled', STEP_UP_MFA_INSECURE_OK: '1' }).stepUp.mfa, 'if-enrolled');
    assert.equal(parseConfig({ NODE_ENV: 'test', STEP_UP_MFA: 'if-enrolled' }).stepUp.mfa, 'if-enrolled');
    assert.ok(failure({ ...PROD, STEP_UP_MFA: 'sometimes' }));
    assert.ok(failure({ ...PROD, STEP_UP_MAX_AGE: '0' }));
  });
});

describe('config: metrics and retention', () => {
  it('metrics get their own port 9464 by default; METRICS_TOKEN alone keeps them on the app port', () => {
    assert.deepEqual(parseConfig(PROD).metrics, { port: 9464, token: null });
    const token = 'metrics-token-0123456789abcdef';
    assert.deepEqual(parseConfig({ ...PROD, METRICS_TOKEN: token }).metrics, { port: null, token });
    assert.deepEqual(parseConfig({ ...PROD, METRICS_PORT: '9100' }).metrics, { port: 9100, token: null });
    assert.deepEqual(failure({ ...PROD, METRICS_TOKEN: 'short' }).issues.map((issue) => issue.field), ['METRICS_TOKEN']);
    assert.deepEqual(failure({ ...PROD, METRICS_PORT: '3000' }).issues.map((issue) => issue.field), ['METRICS_PORT']);
  });

  it('AUDIT_RETENTION_DAYS defaults to 90', () => {
    assert.equal(parseConfig(PROD).auditRetentionDays, 90);
    assert.equal(parseConfig({ ...PROD, AUDIT_RETENTION_DAYS: '30' }).auditRetentionDays, 30);
    assert.ok(failure({ ...PROD, AUDIT_RETENTION_DAYS: '0' }));
  });
});
