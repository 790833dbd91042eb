/**
 * Builds the config from the parsed variables, one concern at a time — the identity provider, the
 * session, the stores, operations (metrics, shutdown, step-up) and the lifecycle endpoints — and
 * checks the rules that span several variables, each failure naming its field and the fix.
 */
import { randomToken } from '../crypto.ts';
import type { ConfigIssue } from './errors.ts';
import { DEFAULT_SCOPES, EMULATOR_DEFAULTS, type Environment, idpKindOf, list, MIN_SECRET_DISTINCT_CHARACTERS, MIN_SECRET_LENGTH, SECRET_HINT } from './environment.ts';
import { isLoopbackHost } from './net.ts';
import type { GatehouseConfig, ParseConfigOptions } from './types.ts';

type Fail = (field: string, message: string) => void;

/** What every concern's builder is given: the variables, the mode, and where a problem goes. */
interface BuildContext {
  env: Environment;
  production: boolean;
  usingEmulator: boolean;
  fail: Fail;
}

/** The whole config but the app roles (read from variables outside the schema's fields). */
export function buildConfig(env: Environment, options: ParseConfigOptions, issues: ConfigIssue[]): Omit<GatehouseConfig, 'appRoleGroups'> {
  const fail: Fail = (field, message) => issues.push({ field, message });
  const ctx: BuildContext = { env, production: env.NODE_ENV === 'production', usingEmulator: env.OKTA_ISSUER === undefined && env.OKTA_DOMAIN === undefined, fail };
  // In the order the problems are reported: the IdP, the app's URL, the session, the stores, operations.
  const okta = identityProvider(ctx);
  const port = env.PORT;
  const appBaseUrl = checkAppBaseUrl(env.APP_BASE_URL ?? `http://localhost:${port}`, ctx.production, fail);
  const sessionConfig = session(ctx, options, appBaseUrl);
  const storeLocations = stores(ctx);
  const stepUpConfig = stepUp(ctx);
  const { metrics, shutdown } = operations(ctx);
  const lifecycleConfig = lifecycle(ctx);
  const admin = env.GATEHOUSE_ADMIN_GROUPS === undefined ? ['admin'] : list(env.GATEHOUSE_ADMIN_GROUPS, /,/);
  const viewer = env.GATEHOUSE_VIEWER_GROUPS === undefined ? ['viewer'] : list(env.GATEHOUSE_VIEWER_GROUPS, /,/);

  return {
    nodeEnv: env.NODE_ENV,
    usingEmulator: ctx.usingEmulator,
    okta,
    groupsClaim: env.GATEHOUSE_GROUPS_CLAIM,
    appBaseUrl,
    redirectUri: `${appBaseUrl}/auth/callback`,
    postLogoutRedirectUri: `${appBaseUrl}/`,
    port,
    session: sessionConfig,
    ...storeLocations,
    roles: { admin, viewer },
    rateLimit: {
      authPerMinute: env.AUTH_RATE_LIMIT_PER_MINUTE,
      pendingLoginsPerClient: env.AUTH_PENDING_LOGINS_PER_CLIENT,
      pendingLoginsTotal: env.AUTH_PENDING_LOGINS_TOTAL,
      abandonedLoginsPer10Min: env.AUTH_ABANDONED_LOGINS_PER_10_MIN,
    },
    stepUp: stepUpConfig,
    auditRetentionDays: env.AUDIT_RETENTION_DAYS,
    metrics,
    live: { streamsPerSession: env.LIVE_STREAMS_PER_SESSION, maxStreams: env.LIVE_STREAMS_MAX },
    trustProxyHops: env.TRUST_PROXY_HOPS,
    shutdown,
    store: {
      timeoutMs: env.STORE_TIMEOUT_MS,
      acquireTimeoutMs: env.STORE_ACQUIRE_TIMEOUT_MS,
      breakerFailures: env.STORE_BREAKER_FAILURES,
      breakerCooldownMs: env.STORE_BREAKER_COOLDOWN_MS,
    },
    idpProbe: { timeoutMs: env.IDP_PROBE_TIMEOUT_MS, cacheMs: env.IDP_PROBE_CACHE_MS },
    auditSpool: { maxBytes: env.AUDIT_SPOOL_MAX_BYTES, retryMs: env.AUDIT_SPOOL_RETRY_MS },
    lifecycle: lifecycleConfig,
    logLevel: env.LOG_LEVEL,
  };
}

/** The issuer (explicit, from `OKTA_DOMAIN`, or the emulator's), the client's credentials and scopes, the Management API. */
function identityProvider({ env, production, usingEmulator, fail }: BuildContext): GatehouseConfig['okta'] {
  let issuer: string = EMULATOR_DEFAULTS.issuer;
  if (env.OKTA_ISSUER !== undefined && env.OKTA_DOMAIN !== undefined) {
    fail('OKTA_DOMAIN', 'OKTA_ISSUER and OKTA_DOMAIN are both set; set only one of them');
  } else if (env.OKTA_ISSUER !== undefined) {
    issuer = checkIssuer('OKTA_ISSUER', env.OKTA_ISSUER, production, fail);
  } else if (env.OKTA_DOMAIN !== undefined) {
    const origin = domainOrigin(env.OKTA_DOMAIN, fail);
    if (origin) issuer = checkIssuer('OKTA_DOMAIN', `${origin}/oauth2/${env.OKTA_AUTHORIZATION_SERVER_ID}`, production, fail);
  } else if (production) {
    fail('OKTA_ISSUER', 'OKTA_ISSUER (or OKTA_DOMAIN) is required in production; the bundled emulator is for development only');
  }
  const issuerUrl = URL.parse(issuer);

  let clientId = env.OKTA_CLIENT_ID ?? '';
  let clientSecret = env.OKTA_CLIENT_SECRET ?? '';
  if (usingEmulator) {
    clientId ||= EMULATOR_DEFAULTS.clientId;
    clientSecret ||= EMULATOR_DEFAULTS.clientSecret;
  } else {
    if (!clientId) fail('OKTA_CLIENT_ID', 'OKTA_CLIENT_ID is required with a real Okta issuer: copy the Client ID of your OIDC web app (Okta Admin Console → Applications)');
    if (!clientSecret) fail('OKTA_CLIENT_SECRET', 'OKTA_CLIENT_SECRET is required with a real Okta issuer: copy the client secret of your OIDC web app (or set OKTA_CLIENT_SECRET_FILE)');
  }
  if (production && !usingEmulator && clientSecret === EMULATOR_DEFAULTS.clientSecret) {
    fail('OKTA_CLIENT_SECRET', "OKTA_CLIENT_SECRET is the emulator's public demo secret; use your Okta app's real client secret in production");
  }
  if (production && env.OKTA_API_TOKEN === EMULATOR_DEFAULTS.apiToken) {
    fail('OKTA_API_TOKEN', "OKTA_API_TOKEN is the emulator's public demo token; create a real API token in Okta for production");
  }

  const scopes = env.OKTA_SCOPES === undefined ? [...DEFAULT_SCOPES] : [...new Set(list(env.OKTA_SCOPES, /[\s,]+/))];
  if (!scopes.includes('openid')) fail('OKTA_SCOPES', 'OKTA_SCOPES must include openid (space- or comma-separated, e.g. "openid profile email groups offline_access")');

  return {
    issuer,
    orgUrl: issuerUrl?.origin ?? '',
    clientId,
    clientSecret,
    scopes,
    audience: env.OKTA_AUDIENCE,
    apiToken: env.OKTA_API_TOKEN ?? (usingEmulator ? EMULATOR_DEFAULTS.apiToken : null),
    managementClientId: env.OKTA_MANAGEMENT_CLIENT_ID ?? null,
    managementPrivateKey: env.OKTA_MANAGEMENT_PRIVATE_KEY ?? null,
    allowInsecureRequests: issuerUrl?.protocol === 'http:',
    kind: idpKindOf(issuer, usingEmulator),
  };
}

/** The session's secrets, lifetimes and cookie. */
function session({ env, production, fail }: BuildContext, options: ParseConfigOptions, appBaseUrl: string): GatehouseConfig['session'] {
  const secrets = sessionSecrets(env, options, production, fail);
  if (env.SESSION_IDLE_TIMEOUT > env.SESSION_ABSOLUTE_TIMEOUT) {
    fail('SESSION_IDLE_TIMEOUT', `SESSION_IDLE_TIMEOUT (${env.SESSION_IDLE_TIMEOUT}) must not exceed SESSION_ABSOLUTE_TIMEOUT (${env.SESSION_ABSOLUTE_TIMEOUT})`);
  }
  const cookieSecure = appBaseUrl.startsWith('https:');
  return {
    secrets,
    idleTimeoutSeconds: env.SESSION_IDLE_TIMEOUT,
    absoluteTimeoutSeconds: env.SESSION_ABSOLUTE_TIMEOUT,
    // At most 60 s and at most a tenth of the idle timeout: bounds how stale expiresAt can be
    // while keeping the per-request path nearly write-free.
    touchIntervalSeconds: Math.max(1, Math.min(60, Math.floor(env.SESSION_IDLE_TIMEOUT / 10))),
    // `__Host-` pins the cookie to this exact origin (no Domain, Path=/, Secure) — RFC 6265bis §4.1.3.2.
    cookieName: cookieSecure ? '__Host-gatehouse' : 'gatehouse',
    cookieSecure,
  };
}

/** Where data lives: the data directory, the database (SQLite or PostgreSQL, a regional replica) and Redis. */
function stores({ env, fail }: BuildContext): Pick<GatehouseConfig, 'dataDir' | 'databaseUrl' | 'databaseReadUrl' | 'redisUrl'> {
  const dataDir = (env.GATEHOUSE_DATA_DIR ?? './data').replace(/\/+$/, '') || '/';
  const databaseUrl = env.DATABASE_URL ?? `file:${dataDir}/gatehouse.db`;
  if (!/^(file:|postgres:\/\/|postgresql:\/\/)/.test(databaseUrl)) {
    fail('DATABASE_URL', 'DATABASE_URL must be file:<path> (SQLite, e.g. file:./data/gatehouse.db) or postgres://user:password@host/db');
  }
  const redisUrl = env.REDIS_URL ?? null;
  if (redisUrl !== null && !/^rediss?:\/\/./.test(redisUrl)) fail('REDIS_URL', 'REDIS_URL must be a redis:// or rediss:// URL');
  const databaseReadUrl = env.DATABASE_READ_URL ?? null;
  if (databaseReadUrl !== null) {
    if (!/^postgres(ql)?:\/\//.test(databaseReadUrl)) fail('DATABASE_READ_URL', "DATABASE_READ_URL must be a postgres:// URL: this region's streaming replica of DATABASE_URL");
    else if (!/^postgres(ql)?:\/\//.test(databaseUrl)) fail('DATABASE_READ_URL', 'DATABASE_READ_URL needs DATABASE_URL to be the PostgreSQL primary (postgres://…) it replicates');
    else if (redisUrl !== null) fail('DATABASE_READ_URL', 'DATABASE_READ_URL is for sessions in PostgreSQL, but REDIS_URL puts them in Redis: unset one of them (docs/operations.md, "Several regions")');
    else if (sameServer(databaseReadUrl, databaseUrl)) fail('DATABASE_READ_URL', "DATABASE_READ_URL is the same server as DATABASE_URL: it must be this region's streaming replica (or unset)");
  }
  return { dataDir, databaseUrl, databaseReadUrl, redisUrl };
}

/** Step-up for admin actions; `if-enrolled` is refused in production unless the risk is accepted out loud. */
function stepUp({ env, production, fail }: BuildContext): GatehouseConfig['stepUp'] {
  if (env.STEP_UP_MFA === 'if-enrolled' && production && env.STEP_UP_MFA_INSECURE_OK !== '1') {
    fail('STEP_UP_MFA', 'STEP_UP_MFA=if-enrolled lets an admin without a second factor act on a password alone; it is refused in production. Enroll every admin in MFA and unset STEP_UP_MFA, or set STEP_UP_MFA_INSECURE_OK=1 to accept the risk');
  }
  if (env.STEP_UP_MFA_INSECURE_OK !== undefined && env.STEP_UP_MFA_INSECURE_OK !== '1') fail('STEP_UP_MFA_INSECURE_OK', 'STEP_UP_MFA_INSECURE_OK must be 1 or unset');
  return { maxAgeSeconds: env.STEP_UP_MAX_AGE, mfa: env.STEP_UP_MFA };
}

/** The metrics listener (off the public port) or scrape token, and the graceful shutdown's budget. */
function operations({ env, fail }: BuildContext): Pick<GatehouseConfig, 'metrics' | 'shutdown'> {
  const metricsToken = env.METRICS_TOKEN ?? null;
  // 24 characters: a scrape token is a shared secret; anything shorter is guessable.
  if (metricsToken !== null && metricsToken.length < 24) fail('METRICS_TOKEN', `METRICS_TOKEN must be at least 24 characters (${SECRET_HINT})`);
  // With only a token, /metrics stays on the app port; otherwise it gets its own listener.
  const metricsPort = env.METRICS_PORT ?? (metricsToken === null ? 9464 : null);
  if (metricsPort !== null && metricsPort !== 0 && metricsPort === env.PORT) fail('METRICS_PORT', `METRICS_PORT must differ from PORT (${env.PORT}): the metrics listener is kept off the public port`);
  if (env.SHUTDOWN_DELAY >= env.SHUTDOWN_TIMEOUT) {
    fail('SHUTDOWN_DELAY', `SHUTDOWN_DELAY (${env.SHUTDOWN_DELAY}) must be below SHUTDOWN_TIMEOUT (${env.SHUTDOWN_TIMEOUT}): the delay is part of the drain budget`);
  }
  return { metrics: { port: metricsPort, token: metricsToken }, shutdown: { timeoutSeconds: env.SHUTDOWN_TIMEOUT, delaySeconds: env.SHUTDOWN_DELAY } };
}

/** The Event Hook's secret and what Okta's changes do to sessions; revalidation of old identities. */
function lifecycle({ env, production, usingEmulator, fail }: BuildContext): GatehouseConfig['lifecycle'] {
  // With the bundled emulator outside production, a per-start secret: `npm start` registers the hook with it.
  const eventHookSecret = env.OKTA_EVENT_HOOK_SECRET ?? (usingEmulator && !production ? randomToken(32) : null);
  // 24 characters: the hook secret is a bearer credential anyone on the internet may guess at.
  if (eventHookSecret !== null && eventHookSecret.length < 24) {
    fail('OKTA_EVENT_HOOK_SECRET', `OKTA_EVENT_HOOK_SECRET must be at least 24 characters (${SECRET_HINT})`);
  }
  return {
    eventHookSecret,
    onCredentialChange: env.OKTA_HOOK_CREDENTIAL_CHANGE,
    revalidateSeconds: env.SESSION_REVALIDATE_SECONDS,
    revalidateGraceSeconds: env.SESSION_REVALIDATE_GRACE,
    groupsClaimCap: env.OKTA_GROUPS_CLAIM_CAP,
  };
}

/** Whether two connection URLs name the same host, port and database (credentials and options aside). */
function sameServer(a: string, b: string): boolean {
  const key = (value: string) => {
    const url = URL.parse(value);
    return url ? `${url.hostname.toLowerCase()}:${url.port || '5432'}${url.pathname}` : value;
  };
  return key(a) === key(b);
}

function checkIssuer(field: string, value: string, production: boolean, fail: Fail): string {
  const url = URL.parse(value);
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
    fail(field, `${field} must be an https URL such as https://dev-1.okta.com/oauth2/default`);
    return value;
  }
  if (url.username || url.password || url.search || url.hash) fail(field, `${field} must not contain credentials, a query or a fragment`);
  if (value.endsWith('/')) fail(field, `${field} must not end with / (the issuer must match the IdP's exactly, e.g. https://dev-1.okta.com/oauth2/default)`);
  if (url.protocol === 'http:') {
    if (!isLoopbackHost(url.hostname)) fail(field, `${field} must use https unless its host is loopback (localhost, 127.0.0.1, [::1])`);
    else if (production) fail(field, `${field} must use https in production (http is accepted only for a loopback issuer in development and tests)`);
  }
  // Kept verbatim: openid-client compares it with the discovery document's `issuer` exactly.
  return value;
}

/** `dev-1.okta.com`, `https://dev-1.okta.com` or `https://dev-1.okta.com/` → the origin. */
function domainOrigin(value: string, fail: Fail): string | null {
  const url = URL.parse(/^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `https://${value}`);
  if (!url || !url.hostname || (url.protocol !== 'https:' && url.protocol !== 'http:') || (url.pathname !== '/' && url.pathname !== '') || url.search || url.hash || url.username || url.password) {
    fail('OKTA_DOMAIN', 'OKTA_DOMAIN must be your Okta domain, e.g. dev-1.okta.com or https://dev-1.okta.com (no path; use OKTA_ISSUER for a full issuer URL)');
    return null;
  }
  return url.origin;
}

function checkAppBaseUrl(value: string, production: boolean, fail: Fail): string {
  const url = URL.parse(value);
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
    fail('APP_BASE_URL', 'APP_BASE_URL must be an http(s) URL such as https://gatehouse.example.com');
    return value;
  }
  if (value.endsWith('/')) fail('APP_BASE_URL', 'APP_BASE_URL must not end with / (e.g. https://gatehouse.example.com)');
  else if (url.pathname !== '/' || url.search || url.hash || url.username || url.password) {
    fail('APP_BASE_URL', 'APP_BASE_URL must be an origin only (scheme://host[:port]) without a path, query, fragment or credentials');
  }
  if (url.protocol === 'http:' && production && !isLoopbackHost(url.hostname)) {
    fail('APP_BASE_URL', 'APP_BASE_URL must use https in production (http is accepted only for a loopback host)');
  }
  return url.origin;
}

function sessionSecrets(env: Environment, options: ParseConfigOptions, production: boolean, fail: Fail): string[] {
  if (env.SESSION_SECRET === undefined) {
    if (production) {
      fail('SESSION_SECRET', `SESSION_SECRET is required in production (at least ${MIN_SECRET_LENGTH} characters; ${SECRET_HINT})`);
      return [];
    }
    // Development: a secret persisted by the loader so sessions survive a restart; tests: ephemeral.
    return [options.generatedSessionSecret ?? randomToken(32)];
  }
  const secrets = list(env.SESSION_SECRET, /,/);
  if (secrets.length === 0) fail('SESSION_SECRET', `SESSION_SECRET must hold at least one secret (${SECRET_HINT})`);
  if (secrets.some((secret) => secret.length < MIN_SECRET_LENGTH)) {
    fail('SESSION_SECRET', `SESSION_SECRET: every comma-separated secret must be at least ${MIN_SECRET_LENGTH} characters (${SECRET_HINT})`);
  } else if (secrets.some((secret) => new Set(secret).size < MIN_SECRET_DISTINCT_CHARACTERS)) {
    fail('SESSION_SECRET', `SESSION_SECRET: a secret has fewer than ${MIN_SECRET_DISTINCT_CHARACTERS} distinct characters, too little entropy for a key (a repeated letter or word is guessable); ${SECRET_HINT}`);
  }
  return secrets;
}
