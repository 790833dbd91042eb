/** The lifecycle variables of the one config schema: the Event Hook secret and the credential-change policy. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ConfigError, loadConfig, redactConfig } from '../config/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'gh-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const OKTA = { NODE_ENV: 'test', OKTA_ISSUER: 'https://dev-1.okta.com/oauth2/default', OKTA_CLIENT_ID: '0oa1', OKTA_CLIENT_SECRET: 'real-client-secret-value' };
const load = (env: Record<string, string>) => loadConfig(env, { envFile: false, cwd: dir });
const HOOK_SECRET = 'an-event-hook-secret-of-40-characters-xyz';

describe('config: Event Hooks', () => {
  it('OKTA_EVENT_HOOK_SECRET (or _FILE) turns the hook on; redacted when printed', () => {
    assert.equal(load(OKTA).lifecycle.eventHookSecret, null, 'a real org without a secret: no hook');
    assert.equal(load({ ...OKTA, OKTA_EVENT_HOOK_SECRET: HOOK_SECRET }).lifecycle.eventHookSecret, HOOK_SECRET);
    writeFileSync(join(dir, 'hook-secret'), `${HOOK_SECRET}\n`);
    const fromFile = load({ ...OKTA, OKTA_EVENT_HOOK_SECRET_FILE: 'hook-secret' });
    assert.equal(fromFile.lifecycle.eventHookSecret, HOOK_SECRET);
    assert.ok(!JSON.stringify(redactConfig(fromFile)).includes(HOOK_SECRET));
    assert.ok(!JSON.stringify(fromFile).includes(HOOK_SECRET));
  });

  it('the bundled emulator outside production gets a generated secret, so npm start can register the hook', () => {
    const secret = load({ NODE_ENV: 'test' }).lifecycle.eventHookSecret;
    assert.ok(secret !== null && secret.length >= 24);
  });

  it('refuses a short secret, an unknown credential policy and bad numbers, naming the variable; documented defaults', () => {
    assert.throws(() => load({ ...OKTA, OKTA_EVENT_HOOK_SECRET: 'short' }), (error: unknown) => error instanceof ConfigError && error.issues.some((issue) => issue.field === 'OKTA_EVENT_HOOK_SECRET' && /at least 24/.test(issue.message)));
    assert.throws(() => load({ ...OKTA, OKTA_HOOK_CREDENTIAL_CHANGE: 'maybe' }), /OKTA_HOOK_CREDENTIAL_CHANGE must be end_sessions or ignore/);
    assert.equal(load(OKTA).lifecycle.onCredentialChange, 'end_sessions');
    const defaults = load(OKTA).lifecycle;
    assert.deepEqual([defaults.revalidateSeconds, defaults.revalidateGraceSeconds, defaults.groupsClaimCap], [300, 900, 100]);
    assert.throws(() => load({ ...OKTA, SESSION_REVALIDATE_SECONDS: '0' }), /SESSION_REVALIDATE_SECONDS must be at least 1 second/);
    assert.throws(() => load({ ...OKTA, OKTA_GROUPS_CLAIM_CAP: 'lots' }), /OKTA_GROUPS_CLAIM_CAP must be a whole number/);
    assert.equal(load({ ...OKTA, OKTA_HOOK_CREDENTIAL_CHANGE: 'ignore' }).lifecycle.onCredentialChange, 'ignore');
  });
});
