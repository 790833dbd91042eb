/**
 * The one schema over Gatehouse's environment (see ARCHITECTURE.md "Configuration"). Pure: it
 * takes an already-resolved variable map (`.env` merged, `NAME_FILE` read — see `load.ts`) and
 * returns the typed, frozen config or throws a {@link ConfigError} naming every bad field.
 */
import { z } from 'zod';
import { randomToken } from '../crypto.ts';
import { ConfigError, type ConfigIssue } from './errors.ts';
import { isLoopbackHost } from './net.ts';
import { redactConfig } from './redact.ts';

/** The resolved, frozen configuration every part of the workspace reads. */
export interface GatehouseConfig {
  nodeEnv: 'development' | 'production' | 'test';
  /** True when neither `OKTA_ISSUER` nor `OKTA_DOMAIN` is set: the bundled emulator and its demo client are used. */
  usingEmulator: boolean;
  okta: {
    issuer: string;
    /** The issuer's origin, base URL of the Okta Management API. */
    orgUrl: string;
    clientId: string;
    clientSecret: string;
    scopes: string[];
    /** Expected `aud` of bearer access tokens (`OKTA_AUDIENCE`). */
    audience: string;
    apiToken: string | null;
    managementClientId: string | null;
    managementPrivateKey: string | null;
    /** True only for an `http:` loopback issuer outside production (openid-client's `allowInsecureRequests`). */
    allowInsecureRequests: boolean;
    /**
     * `okta` for an Okta (or emulator) issuer, `oidc` for any other OpenID provider (Keycloak, Dex,
     * an in-house one): then the Okta-only features (Management API, Okta wording) switch off.
     */
    kind: IdpKind;
  };
  /**
   * The ID/access token claim whose string array maps to roles (`GATEHOUSE_GROUPS_CLAIM`, default
   * `groups`); a dotted path reaches into nested claims (`realm_access.roles`); see `readClaim` in `rbac.ts`.
   */
  groupsClaim: string;
  /** Public origin of the app, no trailing slash. */
  appBaseUrl: string;
  /** `APP_BASE_URL/auth/callback`; never derived from request headers. */
  redirectUri: string;
  /** `APP_BASE_URL/`. */
  postLogoutRedirectUri: string;
  port: number;
  session: {
    /** First secret encrypts; all of them decrypt (rotation). */
    secrets: string[];
    idleTimeoutSeconds: number;
    absoluteTimeoutSeconds: number;
    touchIntervalSeconds: number;
    cookieName: string;
    cookieSecure: boolean;
  };
  /**
   * Where local state lives (GATEHOUSE_DATA_DIR, default `./data`): the SQLite file unless
   * DATABASE_URL says otherwise, the development session secret, the bundled emulator's org.
   */
  dataDir: string;
  databaseUrl: string;
  /**
   * This region's streaming replica of the PostgreSQL `DATABASE_URL` (`DATABASE_READ_URL`): sessions
   * are read there and written to the primary (see `stores/postgres-regional.ts`); `null` when unset.
   */
  databaseReadUrl: string | null;
  redisUrl: string | null;
  /** Okta group names granting each role; exact, case-sensitive. */
  roles: { admin: string[]; viewer: string[] };
  /**
   * Budgets per client (an IPv4 address or an IPv6 /64): `authPerMinute` failed sign-in callbacks
   * and failed bearer tokens a minute; `pendingLoginsPerClient` / `pendingLoginsTotal` unfinished
   * sign-ins kept (the oldest evicted first); `abandonedLoginsPer10Min` sign-ins started and never
   * finished before `/auth/login` answers 429. A callback with a valid login transaction is never limited.
   */
  rateLimit: { authPerMinute: number; pendingLoginsPerClient: number; pendingLoginsTotal: number; abandonedLoginsPer10Min: number };
  /**
   * Step-up for privileged admin actions: the IdP sign-in must be at most `maxAgeSeconds` old
   * (STEP_UP_MAX_AGE) and, with `mfa: 'required'` (STEP_UP_MFA, the default), used a second factor.
   * `'if-enrolled'` is the documented, insecure opt-out (Okta's `…:ifpossible`).
   */
  stepUp: { maxAgeSeconds: number; mfa: 'required' | 'if-enrolled' };
  /** Audit entries older than this many days are purged with the expired sessions (AUDIT_RETENTION_DAYS). */
  auditRetentionDays: number;
  /**
   * Where `/metrics` is served: on its own listener at `port` (METRICS_PORT, default 9464), or,
   * with `token` (METRICS_TOKEN), on the app port behind `Authorization: Bearer <token>`; `port`
   * is `null` when only the token is used.
   */
  metrics: { port: number | null; token: string | null };
  /** Open `GET /live` streams: at most this many per session (tabs) and per instance; past either, 429. */
  live: { streamsPerSession: number; maxStreams: number };
  /**
   * Reverse proxies in front of the app (an Ingress, a load balancer) whose `X-Forwarded-For`
   * entries are trusted; 0 means the socket's peer is the client.
   */
  trustProxyHops: number;
  /** Graceful drain on SIGTERM (`SHUTDOWN_TIMEOUT`, `SHUTDOWN_DELAY`). */
  shutdown: {
    /** Whole drain budget from the signal to exit, in seconds; in-flight requests still running then get a 503. */
    timeoutSeconds: number;
    /** Seconds to keep accepting (readiness already 503) before closing the listener, for load balancers to notice. */
    delaySeconds: number;
  };
  /** Bounds on every call to PostgreSQL and Redis on the request path. */
  store: {
    /** Statement / command timeout (`STORE_TIMEOUT_MS`). */
    timeoutMs: number;
    /** Longest wait for a pooled PostgreSQL connection (`STORE_ACQUIRE_TIMEOUT_MS`). */
    acquireTimeoutMs: number;
    /** Consecutive failures that open the circuit breaker (`STORE_BREAKER_FAILURES`). */
    breakerFailures: number;
    /** How long an open breaker fails fast before letting one trial call through (`STORE_BREAKER_COOLDOWN_MS`). */
    breakerCooldownMs: number;
  };
  /** The cheap, cached IdP reachability probe behind `/readyz` and `/auth/login`. */
  idpProbe: {
    /** Per-probe timeout (`IDP_PROBE_TIMEOUT_MS`). */
    timeoutMs: number;
    /** How long a probe's answer is reused (`IDP_PROBE_CACHE_MS`). */
    cacheMs: number;
  };
  /** The local spool that keeps audit events the store could not take (`<dataDir>/audit-spool.jsonl`). */
  auditSpool: {
    /** Largest spool file; events beyond it are counted and logged as lost (`AUDIT_SPOOL_MAX_BYTES`). */
    maxBytes: number;
    /** Pause between replay attempts while the spool holds events (`AUDIT_SPOOL_RETRY_MS`). */
    retryMs: number;
  };
  /** Okta's changes applied to open sessions (Event Hooks, Universal Logout, back-channel logout). */
  lifecycle: {
    /**
     * The Event Hook's authorization header value (`OKTA_EVENT_HOOK_SECRET`; generated per start
     * with the bundled emulator outside production); `null`: `/hooks/okta` answers 404.
     */
    eventHookSecret: string | null;
    /** What a password change or factor reset does to the user's sessions (`OKTA_HOOK_CREDENTIAL_CHANGE`). */
    onCredentialChange: 'end_sessions' | 'ignore';
    /** Most groups the IdP puts in the `groups` claim (`OKTA_GROUPS_CLAIM_CAP`); a claim this long is read again through the Management API. */
    groupsClaimCap: number;
    /** Age of a session's identity (roles, groups) past which the next request re-checks it at the IdP (`SESSION_REVALIDATE_SECONDS`). */
    revalidateSeconds: number;
    /** How long past that age an unreachable IdP still leaves the last known roles in force (`SESSION_REVALIDATE_GRACE`); then access is refused. */
    revalidateGraceSeconds: number;
  };
  logLevel: string;
}

/** What kind of identity provider the issuer is (see `GatehouseConfig.okta.kind`). */
export type IdpKind = 'okta' | 'oidc';

/** Host names of Okta orgs (Okta's own domains; custom domains are recognised by their `/oauth2/<id>` path). */
const OKTA_HOST = /(^|\.)(okta|oktapreview|okta-emea|okta-gov|okta-mil)\.com$/i;

/**
 * Whether an issuer is Okta's: the bundled emulator, an `*.okta.com` (preview, EMEA, gov) host, or
 * an Okta authorization-server path (`/oauth2/<id>`) on a custom domain. Anything else — an issuer
 * such as `https://sso.example.com/realms/acme` — is a generic OpenID provider.
 */
export function idpKindOf(issuer: string, usingEmulator: boolean): IdpKind {
  if (usingEmulator) return 'okta';
  const url = URL.parse(issuer);
  if (!url) return 'oidc';
  return OKTA_HOST.test(url.hostname) || /^\/oauth2\/[A-Za-z0-9_-]+$/.test(url.pathname) ? 'okta' : 'oidc';
}

/** Settings of the bundled Okta emulator's demo client; used only when no issuer is configured. */
export const EMULATOR_DEFAULTS = Object.freeze({
  issuer: 'http://localhost:9000/oauth2/default',
  clientId: '0oa1gatehousedemoapp',
  clientSecret: 'gatehouse-demo-secret-do-not-use-in-production',
  apiToken: '00gatehouse-demo-api-token-do-not-use-in-prod',
} as const);

/** Variables that hold secrets: each may instead be given as `NAME_FILE`, and is never printed. */
export const SECRET_VARIABLES = [
  'OKTA_CLIENT_SECRET',
  'SESSION_SECRET',
  'OKTA_API_TOKEN',
  'OKTA_MANAGEMENT_PRIVATE_KEY',
  'DATABASE_URL',
  'DATABASE_READ_URL',
  'REDIS_URL',
  'OKTA_EVENT_HOOK_SECRET',
] as const;

/**
 * Scopes asked for when `OKTA_SCOPES` is unset: `offline_access` for a refresh token
 * (OIDC Core §11), `groups` for Okta's groups claim (roles are mapped from it).
 * @see OIDC Core §5.4 (scope values)
 */
export const DEFAULT_SCOPES = ['openid', 'profile', 'email', 'groups', 'offline_access'];
/**
 * Shortest accepted `SESSION_SECRET`, in characters. 32: with base64-ish secrets that is ≥ 192 bits,
 * comfortably above AES-256-GCM's 128-bit security level once HKDF has stretched it.
 */
export const MIN_SECRET_LENGTH = 32;
const SECRET_HINT = 'generate one with `openssl rand -base64 48`';
/**
 * Fewest distinct characters a `SESSION_SECRET` must hold. 16: `openssl rand -base64 48` gives ~40;
 * a secret such as 32 times the same letter (or a short word repeated) has almost no entropy.
 */
export const MIN_SECRET_DISTINCT_CHARACTERS = 16;

const blankToUndefined = (value: unknown) => (typeof value === 'string' ? (value.trim() === '' ? undefined : value.trim()) : value);
const text = () => z.preprocess(blankToUndefined, z.string().optional());
const seconds = (name: string, fallback: number) =>
  z.preprocess(
    blankToUndefined,
    z.coerce
      .number({ error: `${name} must be a whole number of seconds` })
      .int({ error: `${name} must be a whole number of seconds` })
      .min(1, { error: `${name} must be at least 1 second` })
      // 30 days: a session outliving a month defeats the point of an absolute lifetime.
      .max(30 * 24 * 3600, { error: `${name} must be at most 2592000 seconds (30 days)` })
      .default(fallback),
  );
/** A whole number from `min` to `max`, `fallback` when unset; every way of being wrong gets `message`. */
const wholeNumber = (message: string, min: number, max: number, fallback: number) =>
  z.preprocess(
    blankToUndefined,
    z.coerce.number({ error: message }).int({ error: message }).min(min, { error: message }).max(max, { error: message }).default(fallback),
  );
const list = (value: string | undefined, separator: RegExp) => (value ?? '').split(separator).map((item) => item.trim()).filter(Boolean);

/** The field-level schema: one entry per variable, each with an error that names it. */
const environmentSchema = z.object({
  NODE_ENV: z.preprocess(blankToUndefined, z.enum(['development', 'production', 'test'], { error: 'NODE_ENV must be development, production or test' }).default('development')),
  OKTA_ISSUER: text(),
  OKTA_DOMAIN: text(),
  OKTA_AUTHORIZATION_SERVER_ID: z.preprocess(
    blankToUndefined,
    z.string().regex(/^[A-Za-z0-9_-]+$/, { error: 'OKTA_AUTHORIZATION_SERVER_ID must be an authorization server id such as `default` or `aus1a2b3c4`' }).default('default'),
  ),
  OKTA_CLIENT_ID: text(),
  OKTA_CLIENT_SECRET: text(),
  OKTA_SCOPES: text(),
  OKTA_AUDIENCE: z.preprocess(blankToUndefined, z.string().default('api://default')),
  OKTA_API_TOKEN: text(),
  OKTA_MANAGEMENT_CLIENT_ID: text(),
  OKTA_MANAGEMENT_PRIVATE_KEY: text(),
  APP_BASE_URL: text(),
  PORT: wholeNumber('PORT must be a whole number between 0 and 65535', 0, 65535, 3000),
  SESSION_SECRET: text(),
  SESSION_IDLE_TIMEOUT: seconds('SESSION_IDLE_TIMEOUT', 3600),
  SESSION_ABSOLUTE_TIMEOUT: seconds('SESSION_ABSOLUTE_TIMEOUT', 43200),
  DATABASE_URL: text(),
  DATABASE_READ_URL: text(),
  GATEHOUSE_DATA_DIR: text(),
  REDIS_URL: text(),
  GATEHOUSE_ADMIN_GROUPS: text(),
  GATEHOUSE_VIEWER_GROUPS: text(),
  GATEHOUSE_GROUPS_CLAIM: z.preprocess(
    blankToUndefined,
    z
      .string()
      // 200: claim names are short; a longer value is a pasted token or a mistake.
      .max(200, { error: 'GATEHOUSE_GROUPS_CLAIM must be a claim name of at most 200 characters' })
      .regex(/^[^\s.]+(\.[^\s.]+)*$/, { error: 'GATEHOUSE_GROUPS_CLAIM must be a claim name such as groups, or a dotted path such as realm_access.roles (no spaces, no empty segments)' })
      .default('groups'),
  ),
  // 30 per minute: a person signs in a handful of times an hour; a script is slowed to one try every 2 s.
  AUTH_RATE_LIMIT_PER_MINUTE: wholeNumber('AUTH_RATE_LIMIT_PER_MINUTE must be a whole number from 1 to 100000', 1, 100000, 30),
  // 500: an office behind one NAT signing in at 9:00 fits; a script cannot fill the store beyond it.
  AUTH_PENDING_LOGINS_PER_CLIENT: wholeNumber('AUTH_PENDING_LOGINS_PER_CLIENT must be a whole number from 10 to 100000', 10, 100000, 500),
  // 20,000 unfinished sign-ins of ~1 KB each: storage stays bounded under any load.
  AUTH_PENDING_LOGINS_TOTAL: wholeNumber('AUTH_PENDING_LOGINS_TOTAL must be a whole number from 100 to 10000000', 100, 10_000_000, 20_000),
  // 200 in 10 min: people close a tab now and then; 200 never-finished sign-ins from one client is a script.
  AUTH_ABANDONED_LOGINS_PER_10_MIN: wholeNumber('AUTH_ABANDONED_LOGINS_PER_10_MIN must be a whole number from 10 to 100000', 10, 100000, 200),
  // 300 s: the admin in front of the screen now, not whoever finds an unlocked laptop later.
  STEP_UP_MAX_AGE: wholeNumber('STEP_UP_MAX_AGE must be a whole number of seconds from 30 to 3600', 30, 3600, 300),
  STEP_UP_MFA: z.preprocess(blankToUndefined, z.enum(['required', 'if-enrolled'], { error: 'STEP_UP_MFA must be required (default) or if-enrolled' }).default('required')),
  STEP_UP_MFA_INSECURE_OK: text(),
  // 90 days: long enough to investigate an incident, short enough that the log does not grow forever.
  AUDIT_RETENTION_DAYS: wholeNumber('AUDIT_RETENTION_DAYS must be a whole number of days from 1 to 3650', 1, 3650, 90),
  METRICS_PORT: z.preprocess(blankToUndefined, z.coerce.number({ error: 'METRICS_PORT must be a whole number between 0 and 65535' }).int({ error: 'METRICS_PORT must be a whole number between 0 and 65535' }).min(0, { error: 'METRICS_PORT must be a whole number between 0 and 65535' }).max(65535, { error: 'METRICS_PORT must be a whole number between 0 and 65535' }).optional()),
  METRICS_TOKEN: text(),
  // 4 per session: four tabs over HTTP/1.1 still leave two of a browser's six connections per host for page loads.
  LIVE_STREAMS_PER_SESSION: wholeNumber('LIVE_STREAMS_PER_SESSION must be a whole number from 1 to 100', 1, 100, 4),
  // 10,000 per instance: ~300 MiB at the ~30 KiB a stream costs (npm run bench); past it, 429 keeps the instance up.
  LIVE_STREAMS_MAX: wholeNumber('LIVE_STREAMS_MAX must be a whole number from 1 to 1000000', 1, 1_000_000, 10_000),
  // 0 by default: X-Forwarded-For is client-controlled unless a proxy we run appends to it.
  TRUST_PROXY_HOPS: wholeNumber('TRUST_PROXY_HOPS must be a whole number from 0 to 10 (the reverse proxies in front of the app)', 0, 10, 0),
  // 25 s: below Kubernetes' default terminationGracePeriodSeconds (30), which ends in SIGKILL.
  SHUTDOWN_TIMEOUT: wholeNumber('SHUTDOWN_TIMEOUT must be a whole number of seconds from 1 to 3600', 1, 3600, 25),
  SHUTDOWN_DELAY: wholeNumber('SHUTDOWN_DELAY must be a whole number of seconds from 0 to 600, below SHUTDOWN_TIMEOUT', 0, 600, 0),
  // 2 s: a session lookup is a primary-key read of well under 10 ms; 200 times that is an outage, not load.
  STORE_TIMEOUT_MS: wholeNumber('STORE_TIMEOUT_MS must be a whole number of milliseconds from 10 to 60000', 10, 60_000, 2000),
  STORE_ACQUIRE_TIMEOUT_MS: wholeNumber('STORE_ACQUIRE_TIMEOUT_MS must be a whole number of milliseconds from 10 to 60000', 10, 60_000, 2000),
  // 5 in a row: one slow query is noise, five consecutive failures are an outage worth failing fast on.
  STORE_BREAKER_FAILURES: wholeNumber('STORE_BREAKER_FAILURES must be a whole number from 1 to 1000', 1, 1000, 5),
  STORE_BREAKER_COOLDOWN_MS: wholeNumber('STORE_BREAKER_COOLDOWN_MS must be a whole number of milliseconds from 10 to 600000', 10, 600_000, 5000),
  // 2 s and 5 s: a probe must answer within a readiness probe's budget, and at most one probe runs per 5 s.
  IDP_PROBE_TIMEOUT_MS: wholeNumber('IDP_PROBE_TIMEOUT_MS must be a whole number of milliseconds from 10 to 30000', 10, 30_000, 2000),
  IDP_PROBE_CACHE_MS: wholeNumber('IDP_PROBE_CACHE_MS must be a whole number of milliseconds from 0 to 600000', 0, 600_000, 5000),
  // 16 MiB: about 40,000 events, hours of sign-ins of a busy instance, yet never what fills a disk.
  AUDIT_SPOOL_MAX_BYTES: wholeNumber('AUDIT_SPOOL_MAX_BYTES must be a whole number of bytes from 1024 to 1073741824', 1024, 1_073_741_824, 16 * 1024 * 1024),
  AUDIT_SPOOL_RETRY_MS: wholeNumber('AUDIT_SPOOL_RETRY_MS must be a whole number of milliseconds from 10 to 600000', 10, 600_000, 2000),
  OKTA_EVENT_HOOK_SECRET: text(),
  // 100: Okta's limit on the groups claim; a claim of 100 groups may have been cut.
  OKTA_GROUPS_CLAIM_CAP: wholeNumber('OKTA_GROUPS_CLAIM_CAP must be a whole number from 1 to 100000', 1, 100000, 100),
  // 5 min: a role removed in Okta (with no hook) is gone within minutes, at one IdP call per session per 5 min.
  SESSION_REVALIDATE_SECONDS: seconds('SESSION_REVALIDATE_SECONDS', 300),
  // 15 min: rides out an IdP blip with the last known roles; longer would let a removed admin act through an outage.
  SESSION_REVALIDATE_GRACE: seconds('SESSION_REVALIDATE_GRACE', 900),
  OKTA_HOOK_CREDENTIAL_CHANGE: z.preprocess(
    blankToUndefined,
    z.enum(['end_sessions', 'ignore'], { error: 'OKTA_HOOK_CREDENTIAL_CHANGE must be end_sessions or ignore' }).default('end_sessions'),
  ),
  LOG_LEVEL: z.preprocess(
    blankToUndefined,
    z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], { error: 'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent' }).default('info'),
  ),
});

/**
 * Every variable the schema reads, by name (secrets included; each secret may also be given as
 * `NAME_FILE`, see {@link SECRET_VARIABLES}). Read from the schema itself, so deployment files
 * (the Helm chart, the Dockerfile) can be checked against the one list the app really knows.
 */
export const CONFIG_VARIABLES: readonly string[] = Object.freeze(Object.keys(environmentSchema.shape));

type Environment = z.output<typeof environmentSchema>;

/** Inputs to {@link parseConfig} that do not come from the environment. */
export interface ParseConfigOptions {
  /** A development secret (persisted by `load.ts`) used when `SESSION_SECRET` is absent outside production. */
  generatedSessionSecret?: string;
}

/**
 * Validates a resolved variable map and builds the config. Throws {@link ConfigError} listing every
 * problem (field-level problems first; cross-field rules once the fields parse).
 */
export function parseConfig(env: Record<string, string | undefined>, options: ParseConfigOptions = {}): GatehouseConfig {
  const result = environmentSchema
    .transform((fields, ctx) => {
      const issues: ConfigIssue[] = [];
      const config = buildConfig(fields, options, issues);
      for (const issue of issues) ctx.addIssue({ code: 'custom', message: issue.message, path: [issue.field] });
      return config;
    })
    .safeParse(env);
  if (!result.success) {
    throw new ConfigError(result.error.issues.map((issue) => ({ field: String(issue.path[0] ?? 'environment'), message: issue.message })));
  }
  const config = result.data;
  // Printing the config by mistake (console.log, JSON.stringify, a log line) shows it redacted.
  const redacted = () => redactConfig(config);
  Object.defineProperty(config, 'toJSON', { value: redacted, enumerable: false });
  Object.defineProperty(config, Symbol.for('nodejs.util.inspect.custom'), { value: redacted, enumerable: false });
  return deepFreeze(config);
}

function buildConfig(env: Environment, options: ParseConfigOptions, issues: ConfigIssue[]): GatehouseConfig {
  const fail = (field: string, message: string) => issues.push({ field, message });
  const production = env.NODE_ENV === 'production';
  const usingEmulator = env.OKTA_ISSUER === undefined && env.OKTA_DOMAIN === undefined;

  // Issuer: explicit, from OKTA_DOMAIN, or the emulator's.
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
  const allowInsecureRequests = issuerUrl?.protocol === 'http:';

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

  const port = env.PORT;
  const appBaseUrl = checkAppBaseUrl(env.APP_BASE_URL ?? `http://localhost:${port}`, production, fail);

  const secrets = sessionSecrets(env, options, production, fail);
  if (env.SESSION_IDLE_TIMEOUT > env.SESSION_ABSOLUTE_TIMEOUT) {
    fail('SESSION_IDLE_TIMEOUT', `SESSION_IDLE_TIMEOUT (${env.SESSION_IDLE_TIMEOUT}) must not exceed SESSION_ABSOLUTE_TIMEOUT (${env.SESSION_ABSOLUTE_TIMEOUT})`);
  }
  const cookieSecure = appBaseUrl.startsWith('https:');

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

  if (env.STEP_UP_MFA === 'if-enrolled' && production && env.STEP_UP_MFA_INSECURE_OK !== '1') {
    fail('STEP_UP_MFA', 'STEP_UP_MFA=if-enrolled lets an admin without a second factor act on a password alone; it is refused in production. Enroll every admin in MFA and unset STEP_UP_MFA, or set STEP_UP_MFA_INSECURE_OK=1 to accept the risk');
  }
  if (env.STEP_UP_MFA_INSECURE_OK !== undefined && env.STEP_UP_MFA_INSECURE_OK !== '1') fail('STEP_UP_MFA_INSECURE_OK', 'STEP_UP_MFA_INSECURE_OK must be 1 or unset');
  const metricsToken = env.METRICS_TOKEN ?? null;
  // 24 characters: a scrape token is a shared secret; anything shorter is guessable.
  if (metricsToken !== null && metricsToken.length < 24) fail('METRICS_TOKEN', `METRICS_TOKEN must be at least 24 characters (${SECRET_HINT})`);
  // With only a token, /metrics stays on the app port; otherwise it gets its own listener.
  const metricsPort = env.METRICS_PORT ?? (metricsToken === null ? 9464 : null);
  if (metricsPort !== null && metricsPort !== 0 && metricsPort === port) fail('METRICS_PORT', `METRICS_PORT must differ from PORT (${port}): the metrics listener is kept off the public port`);
  if (env.SHUTDOWN_DELAY >= env.SHUTDOWN_TIMEOUT) {
    fail('SHUTDOWN_DELAY', `SHUTDOWN_DELAY (${env.SHUTDOWN_DELAY}) must be below SHUTDOWN_TIMEOUT (${env.SHUTDOWN_TIMEOUT}): the delay is part of the drain budget`);
  }

  // With the bundled emulator outside production, a per-start secret: `npm start` registers the hook with it.
  const eventHookSecret = env.OKTA_EVENT_HOOK_SECRET ?? (usingEmulator && !production ? randomToken(32) : null);
  // 24 characters: the hook secret is a bearer credential anyone on the internet may guess at.
  if (eventHookSecret !== null && eventHookSecret.length < 24) {
    fail('OKTA_EVENT_HOOK_SECRET', `OKTA_EVENT_HOOK_SECRET must be at least 24 characters (${SECRET_HINT})`);
  }

  const admin = env.GATEHOUSE_ADMIN_GROUPS === undefined ? ['admin'] : list(env.GATEHOUSE_ADMIN_GROUPS, /,/);
  const viewer = env.GATEHOUSE_VIEWER_GROUPS === undefined ? ['viewer'] : list(env.GATEHOUSE_VIEWER_GROUPS, /,/);

  return {
    nodeEnv: env.NODE_ENV,
    usingEmulator,
    okta: {
      issuer,
      orgUrl: issuerUrl?.origin ?? '',
      clientId,
      clientSecret,
      scopes,
      audience: env.OKTA_AUDIENCE,
      apiToken: env.OKTA_API_TOKEN ?? (usingEmulator ? EMULATOR_DEFAULTS.apiToken : null),
      managementClientId: env.OKTA_MANAGEMENT_CLIENT_ID ?? null,
      managementPrivateKey: env.OKTA_MANAGEMENT_PRIVATE_KEY ?? null,
      allowInsecureRequests,
      kind: idpKindOf(issuer, usingEmulator),
    },
    groupsClaim: env.GATEHOUSE_GROUPS_CLAIM,
    appBaseUrl,
    redirectUri: `${appBaseUrl}/auth/callback`,
    postLogoutRedirectUri: `${appBaseUrl}/`,
    port,
    session: {
      secrets,
      idleTimeoutSeconds: env.SESSION_IDLE_TIMEOUT,
      absoluteTimeoutSeconds: env.SESSION_ABSOLUTE_TIMEOUT,
      // At most 60 s and at most a tenth of the idle timeout: bounds how stale expiresAt can be
      // while keeping the per-request path nearly write-free.
      touchIntervalSeconds: Math.max(1, Math.min(60, Math.floor(env.SESSION_IDLE_TIMEOUT / 10))),
      // `__Host-` pins the cookie to this exact origin (no Domain, Path=/, Secure) — RFC 6265bis §4.1.3.2.
      cookieName: cookieSecure ? '__Host-gatehouse' : 'gatehouse',
      cookieSecure,
    },
    dataDir,
    databaseUrl,
    databaseReadUrl,
    redisUrl,
    roles: { admin, viewer },
    rateLimit: {
      authPerMinute: env.AUTH_RATE_LIMIT_PER_MINUTE,
      pendingLoginsPerClient: env.AUTH_PENDING_LOGINS_PER_CLIENT,
      pendingLoginsTotal: env.AUTH_PENDING_LOGINS_TOTAL,
      abandonedLoginsPer10Min: env.AUTH_ABANDONED_LOGINS_PER_10_MIN,
    },
    stepUp: { maxAgeSeconds: env.STEP_UP_MAX_AGE, mfa: env.STEP_UP_MFA },
    auditRetentionDays: env.AUDIT_RETENTION_DAYS,
    metrics: { port: metricsPort, token: metricsToken },
    live: { streamsPerSession: env.LIVE_STREAMS_PER_SESSION, maxStreams: env.LIVE_STREAMS_MAX },
    trustProxyHops: env.TRUST_PROXY_HOPS,
    shutdown: { timeoutSeconds: env.SHUTDOWN_TIMEOUT, delaySeconds: env.SHUTDOWN_DELAY },
    store: {
      timeoutMs: env.STORE_TIMEOUT_MS,
      acquireTimeoutMs: env.STORE_ACQUIRE_TIMEOUT_MS,
      breakerFailures: env.STORE_BREAKER_FAILURES,
      breakerCooldownMs: env.STORE_BREAKER_COOLDOWN_MS,
    },
    idpProbe: { timeoutMs: env.IDP_PROBE_TIMEOUT_MS, cacheMs: env.IDP_PROBE_CACHE_MS },
    auditSpool: { maxBytes: env.AUDIT_SPOOL_MAX_BYTES, retryMs: env.AUDIT_SPOOL_RETRY_MS },
    lifecycle: {
      eventHookSecret,
      onCredentialChange: env.OKTA_HOOK_CREDENTIAL_CHANGE,
      revalidateSeconds: env.SESSION_REVALIDATE_SECONDS,
      revalidateGraceSeconds: env.SESSION_REVALIDATE_GRACE,
      groupsClaimCap: env.OKTA_GROUPS_CLAIM_CAP,
    },
    logLevel: env.LOG_LEVEL,
  };
}

type Fail = (field: string, message: string) => void;

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

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
