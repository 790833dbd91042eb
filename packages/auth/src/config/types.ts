/**
 * What the configuration is: the resolved, frozen shape every part of the workspace reads. The
 * environment it comes from is `environment.ts`; how it is built and checked, `build.ts`.
 */
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
   * Okta groups granting the roles of the project's apps, keyed by variable
   * (`GATEHOUSE_ROLE_<ROLE>_GROUPS`, e.g. `GATEHOUSE_ROLE_APPROVALS_USER_GROUPS` for `approvals-user`).
   * Only the variables that are set; an app role without one keeps its manifest's default groups.
   */
  appRoleGroups: Readonly<Record<string, string[]>>;
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

/** Inputs to `parseConfig` that do not come from the environment. */
export interface ParseConfigOptions {
  /** A development secret (persisted by `load.ts`) used when `SESSION_SECRET` is absent outside production. */
  generatedSessionSecret?: string;
}
