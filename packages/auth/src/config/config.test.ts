import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { after, describe, it } from 'node:test';
import { ConfigError, EMULATOR_DEFAULTS, loadConfig, redactConfig, type GatehouseConfig } from './index.ts';

const root = mkdtempSync(join(tmpdir(), 'gh-'));
after(() => rmSync(root, { recursive: true, force: true }));
let dirs = 0;
const freshDir = () => {
  const dir = join(root, `case-${++dirs}`);
  mkdirSync(dir);
  return dir;
};

const SECRET = 'a-session-secret-that-is-long-enough-0123';
const OKTA = { OKTA_ISSUER: 'https://dev-1.okta.com/oauth2/default', OKTA_CLIENT_ID: '0oa1realclient', OKTA_CLIENT_SECRET: 'real-client-secret-value-xyz' };
const PROD = { NODE_ENV: 'production', ...OKTA, SESSION_SECRET: SECRET, APP_BASE_URL: 'https://gatehouse.example.com' };

/** Loads with no .env and a private cwd. */
const load = (env: Record<string, string | undefined>, cwd = freshDir()) => loadConfig(env, { envFile: false, cwd });

/** The ConfigError a bad environment throws. */
function failure(env: Record<string, string | undefined>, options: { cwd?: string; envFile?: string | false } = {}): ConfigError {
  try {
    loadConfig(env, { envFile: false, cwd: freshDir(), ...options });
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    for (const issue of error.issues) {
      assert.ok(issue.message.includes(issue.field.replace(/_FILE$/, '')) || issue.field === '.env', `"${issue.message}" names ${issue.field}`);
      assert.ok(error.message.includes(issue.message), 'the message lists every issue');
    }
    return error;
  }
  assert.fail('expected a ConfigError');
}

const fields = (error: ConfigError) => error.issues.map((issue) => issue.field);
const messages = (error: ConfigError) => error.issues.map((issue) => issue.message).join('\n');

describe('config defaults (no Okta variables: the emulator)', () => {
  it('runs against the emulator with every documented default', () => {
    const config = load({ SESSION_SECRET: SECRET });
    assert.equal(config.usingEmulator, true);
    assert.equal(config.nodeEnv, 'development');
    assert.deepEqual({ ...config.okta }, {
      issuer: EMULATOR_DEFAULTS.issuer,
      orgUrl: 'http://localhost:9000',
      clientId: EMULATOR_DEFAULTS.clientId,
      clientSecret: EMULATOR_DEFAULTS.clientSecret,
      scopes: ['openid', 'profile', 'email', 'groups', 'offline_access'],
      audience: 'api://default',
      apiToken: EMULATOR_DEFAULTS.apiToken,
      managementClientId: null,
      managementPrivateKey: null,
      allowInsecureRequests: true,
      kind: 'okta',
    });
    assert.equal(config.groupsClaim, 'groups');
    assert.equal(config.appBaseUrl, 'http://localhost:3000');
    assert.equal(config.redirectUri, 'http://localhost:3000/auth/callback');
    assert.equal(config.postLogoutRedirectUri, 'http://localhost:3000/');
    assert.equal(config.port, 3000);
    assert.deepEqual({ ...config.session, secrets: [...config.session.secrets] }, {
      secrets: [SECRET], idleTimeoutSeconds: 3600, absoluteTimeoutSeconds: 43200, touchIntervalSeconds: 60, cookieName: 'gatehouse', cookieSecure: false,
    });
    assert.equal(config.databaseUrl, 'file:./data/gatehouse.db');
    assert.equal(config.redisUrl, null);
    assert.deepEqual(config.roles, { admin: ['admin'], viewer: ['viewer'] });
    assert.equal(config.logLevel, 'info');
  });

  it('GATEHOUSE_GROUPS_CLAIM takes a claim name or a dotted path, and refuses anything else with the field', () => {
    assert.equal(load({ SESSION_SECRET: SECRET, GATEHOUSE_GROUPS_CLAIM: 'realm_access.roles' }).groupsClaim, 'realm_access.roles');
    assert.equal(load({ SESSION_SECRET: SECRET, GATEHOUSE_GROUPS_CLAIM: 'https://acme.example/groups' }).groupsClaim, 'https://acme.example/groups');
    for (const bad of ['realm_access..roles', '.roles', 'roles.', 'my groups', 'x'.repeat(201)]) {
      const error = failure({ SESSION_SECRET: SECRET, GATEHOUSE_GROUPS_CLAIM: bad });
      assert.deepEqual(fields(error), ['GATEHOUSE_GROUPS_CLAIM'], bad);
      assert.match(messages(error), /GATEHOUSE_GROUPS_CLAIM must be/);
    }
  });

  it('DATABASE_READ_URL: a PostgreSQL replica beside a PostgreSQL primary, never the same server, never with Redis sessions', () => {
    const primary = 'postgres://gh:pw@db-primary.internal:5432/gatehouse';
    const ok = load({ SESSION_SECRET: SECRET, DATABASE_URL: primary, DATABASE_READ_URL: 'postgres://gh:pw@db-replica.us.internal/gatehouse' });
    assert.equal(ok.databaseReadUrl, 'postgres://gh:pw@db-replica.us.internal/gatehouse');
    assert.equal(load({ SESSION_SECRET: SECRET }).databaseReadUrl, null);
    assert.equal(JSON.stringify(ok).includes(':pw@'), false, 'the replica password is redacted too');
    const cases: Array<[Record<string, string>, RegExp]> = [
      [{ DATABASE_URL: primary, DATABASE_READ_URL: 'mysql://replica/gatehouse' }, /must be a postgres:\/\/ URL/],
      [{ DATABASE_READ_URL: 'postgres://replica/gatehouse' }, /needs DATABASE_URL to be the PostgreSQL primary/],
      [{ DATABASE_URL: primary, DATABASE_READ_URL: 'postgres://other:secret@DB-PRIMARY.internal/gatehouse' }, /same server as DATABASE_URL/],
      [{ DATABASE_URL: primary, DATABASE_READ_URL: 'postgres://replica/gatehouse', REDIS_URL: 'redis://127.0.0.1:6379' }, /REDIS_URL puts them in Redis/],
    ];
    for (const [env, message] of cases) {
      const error = failure({ SESSION_SECRET: SECRET, ...env });
      assert.deepEqual(fields(error), ['DATABASE_READ_URL']);
      assert.match(messages(error), message);
      assert.doesNotMatch(messages(error), /secret|pw@/);
    }
  });

  it('tells an Okta issuer from any other OpenID provider', () => {
    const kind = (issuer: string) => load({ SESSION_SECRET: SECRET, OKTA_ISSUER: issuer, OKTA_CLIENT_ID: 'c', OKTA_CLIENT_SECRET: 's' }).okta.kind;
    assert.equal(kind('https://dev-1.okta.com/oauth2/default'), 'okta');
    assert.equal(kind('https://dev-1.okta.com'), 'okta');
    assert.equal(kind('https://acme.oktapreview.com'), 'okta');
    assert.equal(kind('https://login.acme.example/oauth2/aus1a2b3c4'), 'okta', 'a custom domain with an Okta authorization-server path');
    assert.equal(kind('https://sso.acme.example/realms/acme'), 'oidc');
    assert.equal(kind('https://dex.acme.example'), 'oidc');
    assert.equal(kind('https://okta.com.evil.example/realms/x'), 'oidc');
  });

  it('is deeply frozen', () => {
    const config = load({ SESSION_SECRET: SECRET });
    assert.ok(Object.isFrozen(config) && Object.isFrozen(config.okta) && Object.isFrozen(config.session.secrets) && Object.isFrozen(config.roles.admin));
    assert.throws(() => {
      (config.okta as { issuer: string }).issuer = 'https://evil.example';
    }, TypeError);
  });

  it('parses lists, numbers and roles', () => {
    const config = load({
      SESSION_SECRET: `${SECRET}, ${'b0c1d2e3f4g5h6i7j8k9'.repeat(2)}`,
      OKTA_SCOPES: 'openid,profile  email',
      GATEHOUSE_ADMIN_GROUPS: 'Gatehouse Admins, admin ,',
      GATEHOUSE_VIEWER_GROUPS: 'Everyone',
      SESSION_IDLE_TIMEOUT: '600',
      SESSION_ABSOLUTE_TIMEOUT: '7200',
      PORT: '8080',
      LOG_LEVEL: 'debug',
      OKTA_AUDIENCE: 'api://gatehouse',
    });
    assert.deepEqual(config.session.secrets, [SECRET, 'b0c1d2e3f4g5h6i7j8k9'.repeat(2)]);
    assert.deepEqual(config.okta.scopes, ['openid', 'profile', 'email']);
    assert.deepEqual(config.roles, { admin: ['Gatehouse Admins', 'admin'], viewer: ['Everyone'] });
    assert.equal(config.session.idleTimeoutSeconds, 600);
    assert.equal(config.session.absoluteTimeoutSeconds, 7200);
    assert.equal(config.session.touchIntervalSeconds, 60);
    assert.equal(config.appBaseUrl, 'http://localhost:8080', 'the default base URL follows PORT');
    assert.equal(config.logLevel, 'debug');
    assert.equal(config.okta.audience, 'api://gatehouse');
  });
});

describe('config: the issuer', () => {
  it('a real issuer needs the client credentials', () => {
    const error = failure({ OKTA_ISSUER: OKTA.OKTA_ISSUER, SESSION_SECRET: SECRET });
    assert.deepEqual(fields(error), ['OKTA_CLIENT_ID', 'OKTA_CLIENT_SECRET']);
    const config = load({ ...OKTA, SESSION_SECRET: SECRET });
    assert.equal(config.usingEmulator, false);
    assert.equal(config.okta.orgUrl, 'https://dev-1.okta.com');
    assert.equal(config.okta.apiToken, null);
    assert.equal(config.okta.allowInsecureRequests, false);
  });

  it('OKTA_DOMAIN in its accepted forms, with OKTA_AUTHORIZATION_SERVER_ID', () => {
    const base = { OKTA_CLIENT_ID: 'id', OKTA_CLIENT_SECRET: 'secret', SESSION_SECRET: SECRET };
    for (const domain of ['dev-1.okta.com', 'https://dev-1.okta.com', 'https://dev-1.okta.com/', ' dev-1.okta.com ']) {
      assert.equal(load({ ...base, OKTA_DOMAIN: domain }).okta.issuer, 'https://dev-1.okta.com/oauth2/default', domain);
    }
    assert.equal(load({ ...base, OKTA_DOMAIN: 'dev-1.okta.com', OKTA_AUTHORIZATION_SERVER_ID: 'aus1abc' }).okta.issuer, 'https://dev-1.okta.com/oauth2/aus1abc');
    assert.deepEqual(fields(failure({ ...base, OKTA_DOMAIN: 'dev-1.okta.com/oauth2/default' })), ['OKTA_DOMAIN']);
    assert.deepEqual(fields(failure({ ...base, OKTA_DOMAIN: 'http://dev-1.okta.com' })), ['OKTA_DOMAIN']);
    assert.deepEqual(fields(failure({ ...base, OKTA_DOMAIN: 'dev-1.okta.com', OKTA_AUTHORIZATION_SERVER_ID: 'a/b' })), ['OKTA_AUTHORIZATION_SERVER_ID']);
    assert.deepEqual(fields(failure({ ...base, OKTA_DOMAIN: 'dev-1.okta.com', OKTA_ISSUER: OKTA.OKTA_ISSUER })), ['OKTA_DOMAIN']);
  });

  it('http only for a loopback issuer, and never in production', () => {
    const base = { OKTA_CLIENT_ID: 'id', OKTA_CLIENT_SECRET: 'secret', SESSION_SECRET: SECRET };
    for (const issuer of ['http://localhost:9000/oauth2/default', 'http://127.0.0.1:9123/oauth2/default', 'http://[::1]:9000/oauth2/default']) {
      assert.equal(load({ ...base, NODE_ENV: 'test', OKTA_ISSUER: issuer }).okta.allowInsecureRequests, true, issuer);
    }
    const remote = failure({ ...base, OKTA_ISSUER: 'http://dev-1.okta.com/oauth2/default' });
    assert.match(messages(remote), /OKTA_ISSUER must use https unless its host is loopback/);
    const production = failure({ ...PROD, OKTA_ISSUER: 'http://localhost:9000/oauth2/default' });
    assert.match(messages(production), /OKTA_ISSUER must use https in production/);
  });

  it('refuses malformed issuers with the fix', () => {
    const base = { OKTA_CLIENT_ID: 'id', OKTA_CLIENT_SECRET: 'secret', SESSION_SECRET: SECRET };
    assert.match(messages(failure({ ...base, OKTA_ISSUER: 'https://dev-1.okta.com/oauth2/default/' })), /OKTA_ISSUER must not end with \//);
    assert.match(messages(failure({ ...base, OKTA_ISSUER: 'dev-1.okta.com' })), /OKTA_ISSUER must be an https URL/);
    assert.match(messages(failure({ ...base, OKTA_ISSUER: 'ftp://dev-1.okta.com' })), /OKTA_ISSUER must be an https URL/);
    assert.match(messages(failure({ ...base, OKTA_ISSUER: 'https://u:p@dev-1.okta.com/oauth2/default' })), /OKTA_ISSUER must not contain credentials/);
  });

  it('OKTA_SCOPES must include openid', () => {
    assert.match(messages(failure({ SESSION_SECRET: SECRET, OKTA_SCOPES: 'profile email' })), /OKTA_SCOPES must include openid/);
  });
});

describe('config: APP_BASE_URL and the cookie', () => {
  it('https gives __Host-gatehouse with Secure', () => {
    const config = load(PROD);
    assert.equal(config.session.cookieName, '__Host-gatehouse');
    assert.equal(config.session.cookieSecure, true);
    assert.equal(config.redirectUri, 'https://gatehouse.example.com/auth/callback');
  });

  it('http loopback gives gatehouse without Secure; http elsewhere is refused in production only', () => {
    const loopback = load({ SESSION_SECRET: SECRET, APP_BASE_URL: 'http://127.0.0.1:4000' });
    assert.deepEqual([loopback.session.cookieName, loopback.session.cookieSecure], ['gatehouse', false]);
    assert.equal(load({ SESSION_SECRET: SECRET, APP_BASE_URL: 'http://devbox.internal:3000' }).session.cookieSecure, false);
    assert.match(messages(failure({ ...PROD, APP_BASE_URL: 'http://gatehouse.example.com' })), /APP_BASE_URL must use https in production/);
    assert.equal(load({ ...PROD, APP_BASE_URL: 'http://localhost:3000' }).appBaseUrl, 'http://localhost:3000');
  });

  it('refuses a trailing slash, a path, or a non-URL', () => {
    assert.match(messages(failure({ SESSION_SECRET: SECRET, APP_BASE_URL: 'https://gatehouse.example.com/' })), /APP_BASE_URL must not end with \//);
    assert.match(messages(failure({ SESSION_SECRET: SECRET, APP_BASE_URL: 'https://gatehouse.example.com/app' })), /APP_BASE_URL must be an origin only/);
    assert.match(messages(failure({ SESSION_SECRET: SECRET, APP_BASE_URL: 'gatehouse.example.com' })), /APP_BASE_URL must be an http\(s\) URL/);
  });
});

describe('config: production rules and session secrets', () => {
  it('production requires an issuer and SESSION_SECRET of at least 32 characters', () => {
    const error = failure({ NODE_ENV: 'production', APP_BASE_URL: 'https://gatehouse.example.com' });
    assert.deepEqual(fields(error), ['OKTA_ISSUER', 'SESSION_SECRET']);
    assert.match(messages(error), /SESSION_SECRET is required in production \(at least 32 characters/);
    const short = failure({ ...PROD, SESSION_SECRET: `${SECRET},tooshort-secret` });
    assert.match(messages(short), /SESSION_SECRET: every comma-separated secret must be at least 32 characters/);
    assert.ok(!short.message.includes('tooshort-secret'), 'never echoes a secret');
  });

  it('production refuses the emulator demo credentials', () => {
    const error = failure({ ...PROD, OKTA_CLIENT_SECRET: EMULATOR_DEFAULTS.clientSecret, OKTA_API_TOKEN: EMULATOR_DEFAULTS.apiToken });
    assert.deepEqual(fields(error), ['OKTA_CLIENT_SECRET', 'OKTA_API_TOKEN']);
    assert.ok(!error.message.includes(EMULATOR_DEFAULTS.clientSecret));
  });

  it('development without SESSION_SECRET persists a generated secret in ./data/session-secret', () => {
    const cwd = freshDir();
    const first = load({}, cwd);
    const path = join(cwd, 'data', 'session-secret');
    assert.ok(existsSync(path));
    assert.equal(readFileSync(path, 'utf8').trim(), first.session.secrets[0]);
    assert.ok(first.session.secrets[0]!.length >= 32);
    assert.deepEqual(load({}, cwd).session.secrets, first.session.secrets, 'sessions survive a restart');
  });

  it('GATEHOUSE_DATA_DIR moves the SQLite file and the development secret together', () => {
    const cwd = freshDir();
    const defaults = load({ SESSION_SECRET: SECRET }, cwd);
    assert.equal(defaults.dataDir, './data');
    assert.equal(defaults.databaseUrl, 'file:./data/gatehouse.db');
    const moved = load({ GATEHOUSE_DATA_DIR: join(cwd, 'state/') }, cwd);
    assert.equal(moved.dataDir, join(cwd, 'state'));
    assert.equal(moved.databaseUrl, `file:${join(cwd, 'state')}/gatehouse.db`);
    assert.equal(readFileSync(join(cwd, 'state', 'session-secret'), 'utf8').trim(), moved.session.secrets[0]);
    assert.ok(!existsSync(join(cwd, 'data')), 'nothing is written to ./data');
    assert.equal(load({ GATEHOUSE_DATA_DIR: join(cwd, 'state'), DATABASE_URL: 'file:/elsewhere.db', SESSION_SECRET: SECRET }, cwd).databaseUrl, 'file:/elsewhere.db');
  });

  it('tests without SESSION_SECRET get an ephemeral secret and write nothing', () => {
    const cwd = freshDir();
    const config = load({ NODE_ENV: 'test' }, cwd);
    assert.ok(config.session.secrets[0]!.length >= 32);
    assert.ok(!existsSync(join(cwd, 'data')));
  });

  it('timeouts must be whole seconds and idle ≤ absolute', () => {
    assert.match(messages(failure({ SESSION_SECRET: SECRET, SESSION_IDLE_TIMEOUT: '7200', SESSION_ABSOLUTE_TIMEOUT: '3600' })), /SESSION_IDLE_TIMEOUT \(7200\) must not exceed SESSION_ABSOLUTE_TIMEOUT/);
    assert.deepEqual(fields(failure({ SESSION_SECRET: SECRET, SESSION_IDLE_TIMEOUT: 'an hour', SESSION_ABSOLUTE_TIMEOUT: '0' })), ['SESSION_IDLE_TIMEOUT', 'SESSION_ABSOLUTE_TIMEOUT']);
    assert.deepEqual(fields(failure({ SESSION_SECRET: SECRET, PORT: '70000', NODE_ENV: 'staging', LOG_LEVEL: 'loud' })), ['NODE_ENV', 'PORT', 'LOG_LEVEL']);
  });

  it('DATABASE_URL and REDIS_URL must be recognisable URLs, without echoing them', () => {
    const error = failure({ SESSION_SECRET: SECRET, DATABASE_URL: 'mysql://root:hunter2@db/gatehouse', REDIS_URL: 'localhost:6379' });
    assert.deepEqual(fields(error), ['DATABASE_URL', 'REDIS_URL']);
    assert.ok(!error.message.includes('hunter2'));
    const config = load({ SESSION_SECRET: SECRET, DATABASE_URL: 'postgres://gh:pw@localhost/test', REDIS_URL: 'redis://127.0.0.1:6379' });
    assert.equal(config.databaseUrl, 'postgres://gh:pw@localhost/test');
    assert.equal(config.redisUrl, 'redis://127.0.0.1:6379');
  });
});

describe('config: NAME_FILE secrets and .env', () => {
  it('reads every secret from NAME_FILE, trimmed', () => {
    const cwd = freshDir();
    const files: Record<string, string> = {
      OKTA_CLIENT_SECRET: 'file-client-secret',
      SESSION_SECRET: SECRET,
      OKTA_API_TOKEN: '00file-api-token',
      OKTA_MANAGEMENT_PRIVATE_KEY: '-----BEGIN PRIVATE KEY-----\nabc\n-----END PRIVATE KEY-----',
      DATABASE_URL: 'file:./data/from-file.db',
      REDIS_URL: 'redis://127.0.0.1:6379/2',
    };
    const env: Record<string, string> = { OKTA_ISSUER: OKTA.OKTA_ISSUER, OKTA_CLIENT_ID: 'id' };
    for (const [name, value] of Object.entries(files)) {
      writeFileSync(join(cwd, name.toLowerCase()), `\n${value}\n\n`);
      env[`${name}_FILE`] = name.toLowerCase(); // relative to cwd
    }
    const config = load(env, cwd);
    assert.equal(config.okta.clientSecret, files.OKTA_CLIENT_SECRET);
    assert.deepEqual(config.session.secrets, [SECRET]);
    assert.equal(config.okta.apiToken, files.OKTA_API_TOKEN);
    assert.equal(config.okta.managementPrivateKey, files.OKTA_MANAGEMENT_PRIVATE_KEY);
    assert.equal(config.databaseUrl, files.DATABASE_URL);
    assert.equal(config.redisUrl, files.REDIS_URL);
  });

  it('NAME and NAME_FILE both set, or an unreadable file, is an error naming NAME_FILE', () => {
    const cwd = freshDir();
    writeFileSync(join(cwd, 'secret'), SECRET);
    const both = failure({ SESSION_SECRET: SECRET, SESSION_SECRET_FILE: 'secret' }, { cwd });
    assert.deepEqual(fields(both), ['SESSION_SECRET_FILE']);
    assert.match(messages(both), /SESSION_SECRET and SESSION_SECRET_FILE are both set/);
    const missing = failure({ SESSION_SECRET: SECRET, OKTA_CLIENT_SECRET_FILE: '/nonexistent/okta-secret' }, { cwd });
    assert.match(messages(missing), /OKTA_CLIENT_SECRET_FILE points at a file that cannot be read \(\/nonexistent\/okta-secret: ENOENT: no such file; mount the secret there/);
    writeFileSync(join(cwd, 'empty'), '  \n');
    assert.match(messages(failure({ SESSION_SECRET: SECRET, OKTA_API_TOKEN_FILE: 'empty' }, { cwd })), /OKTA_API_TOKEN_FILE points at an empty file/);
  });

  it('reads .env (found at the workspace root), and the real environment wins', () => {
    const repo = freshDir();
    writeFileSync(join(repo, 'package.json'), JSON.stringify({ name: 'x', workspaces: ['apps/*'] }));
    writeFileSync(join(repo, '.env'), `# comment\nSESSION_SECRET="${SECRET}"\nPORT=4100\nLOG_LEVEL=warn\n`);
    const app = join(repo, 'apps', 'web');
    mkdirSync(app, { recursive: true });
    const config = loadConfig({ LOG_LEVEL: 'error' }, { cwd: app });
    assert.deepEqual(config.session.secrets, [SECRET]);
    assert.equal(config.port, 4100);
    assert.equal(config.logLevel, 'error');
    assert.equal(loadConfig({ NODE_ENV: 'test' }, { cwd: app, envFile: false }).port, 3000, 'envFile: false ignores .env');
    assert.match(messages(failure({}, { envFile: join(repo, 'missing.env') })), /does not exist/);
  });
});

describe('redactConfig', () => {
  const secrets = {
    OKTA_CLIENT_SECRET: 'client-secret-must-not-show',
    SESSION_SECRET: `${SECRET}-current,${'older-secret-must-not-show-0123456789'.padEnd(40, 'x')}`,
    OKTA_API_TOKEN: '00api-token-must-not-show',
    OKTA_MANAGEMENT_PRIVATE_KEY: 'private-key-must-not-show',
    DATABASE_URL: 'postgres://gatehouse:db-password-must-not-show@db.internal:5432/gatehouse',
    REDIS_URL: 'rediss://:redis-password-must-not-show@cache.internal:6380',
  };
  const config: GatehouseConfig = load({ ...PROD, ...secrets });

  it('never shows a secret, however the config is printed', () => {
    const printed = [JSON.stringify(redactConfig(config)), JSON.stringify(config), inspect(config, { depth: 10 }), String(inspect(redactConfig(config), { depth: 10 }))];
    const values = [...Object.values(secrets).flatMap((value) => value.split(',')), SECRET, 'db-password-must-not-show', 'redis-password-must-not-show'];
    for (const text of printed) for (const value of values) assert.ok(!text.includes(value), `${value} leaked`);
  });

  it('keeps what operators need to see', () => {
    const redacted = redactConfig(config) as { okta: Record<string, unknown>; session: { secrets: string[] }; databaseUrl: string; redisUrl: string };
    assert.equal(redacted.okta.clientSecret, '[redacted]');
    assert.equal(redacted.okta.clientId, OKTA.OKTA_CLIENT_ID);
    assert.equal(redacted.okta.issuer, OKTA.OKTA_ISSUER);
    assert.deepEqual(redacted.session.secrets, ['[redacted]', '[redacted]']);
    assert.equal(redacted.databaseUrl, 'postgres://gatehouse:[redacted]@db.internal:5432/gatehouse');
    assert.equal(redacted.redisUrl, 'rediss://:[redacted]@cache.internal:6380');
    assert.equal(redactConfig(load({ SESSION_SECRET: SECRET })).databaseUrl, 'file:./data/gatehouse.db');
  });
});

describe('AUTH_RATE_LIMIT_PER_MINUTE', () => {
  it('defaults to 30 per minute and takes a positive whole number', () => {
    assert.equal(load({}).rateLimit.authPerMinute, 30);
    assert.equal(load({ AUTH_RATE_LIMIT_PER_MINUTE: '600' }).rateLimit.authPerMinute, 600);
  });
  it('refuses zero, fractions and words, naming the field', () => {
    for (const bad of ['0', '1.5', 'many', '-3']) {
      assert.deepEqual(fields(failure({ AUTH_RATE_LIMIT_PER_MINUTE: bad })), ['AUTH_RATE_LIMIT_PER_MINUTE']);
    }
  });
});

describe('TRUST_PROXY_HOPS', () => {
  it('defaults to 0 (X-Forwarded-For not trusted) and takes 0–10', () => {
    assert.equal(load({}).trustProxyHops, 0);
    assert.equal(load({ TRUST_PROXY_HOPS: '2' }).trustProxyHops, 2);
  });
  it('refuses negative, fractional, large and non-numeric values, naming the field', () => {
    for (const bad of ['-1', '1.5', '11', 'yes']) assert.deepEqual(fields(failure({ TRUST_PROXY_HOPS: bad })), ['TRUST_PROXY_HOPS']);
  });
});
