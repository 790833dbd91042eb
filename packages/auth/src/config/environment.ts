/**
 * The environment Gatehouse reads (see ARCHITECTURE.md "Configuration"): one zod field per
 * variable, each failing with a message that names it, the secret variables, the emulator's
 * defaults, the app-role variables, and what kind of identity provider an issuer is.
 */
import { z } from 'zod';
import type { ConfigIssue } from './errors.ts';
import type { IdpKind } from './types.ts';

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
export const SECRET_HINT = 'generate one with `openssl rand -base64 48`';
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
/** The items of a separated list, trimmed, empty ones dropped. */
export const list = (value: string | undefined, separator: RegExp) => (value ?? '').split(separator).map((item) => item.trim()).filter(Boolean);

/** The field-level schema: one entry per variable, each with an error that names it. */
export const environmentSchema = z.object({
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

/** The variables as the field-level schema parsed them. */
export type Environment = z.output<typeof environmentSchema>;

/** `GATEHOUSE_ROLE_<ROLE>_GROUPS`: the groups granting an app's role (`<ROLE>`: the role name, upper case, `-` as `_`). */
export const APP_ROLE_VARIABLE = /^GATEHOUSE_ROLE_([A-Z0-9]+(?:_[A-Z0-9]+)*)_GROUPS$/;

/** The app-role variables: every `GATEHOUSE_ROLE_*` variable must be a well-formed one with a group list. */
const APP_ROLE_KEY_MESSAGE = 'is not a valid name: use GATEHOUSE_ROLE_<ROLE>_GROUPS, <ROLE> being an app role in upper case with _ for - (e.g. GATEHOUSE_ROLE_APPROVALS_USER_GROUPS)';
const appRoleSchema = z.record(
  z.string().regex(APP_ROLE_VARIABLE, { error: APP_ROLE_KEY_MESSAGE }),
  z.preprocess(blankToUndefined, z.string({ error: 'must list Okta groups, comma-separated' }).optional()),
);

/** The groups of each app role (`GATEHOUSE_ROLE_<ROLE>_GROUPS`); a bad variable adds to `issues`. */
export function appRoleGroups(env: Record<string, string | undefined>, issues: ConfigIssue[]): Record<string, string[]> {
  const entries = Object.fromEntries(Object.entries(env).filter(([name]) => name.startsWith('GATEHOUSE_ROLE_')));
  const parsed = appRoleSchema.safeParse(entries);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const field = String(issue.path[0] ?? 'GATEHOUSE_ROLE_');
      // zod reports a bad key as "Invalid key in record"; the key's own message says the fix.
      const message = issue.code === 'invalid_key' ? APP_ROLE_KEY_MESSAGE : issue.message;
      issues.push({ field, message: `${field} ${message}` });
    }
    return {};
  }
  const groups: Record<string, string[]> = {};
  for (const [name, value] of Object.entries(parsed.data)) if (value !== undefined) groups[name] = list(value, /,/);
  return groups;
}
