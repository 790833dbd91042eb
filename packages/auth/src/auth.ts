/**
 * `createAuth`: the framework-agnostic core of Gatehouse sign-in on Web `Request`/`Response`.
 * It wires config, the IdP client, the session manager, audit and the flow handlers, and answers
 * "who is this request?" with an {@link AuthState} — from the session cookie (one store read,
 * refreshing tokens when due) or from a bearer access token.
 */
import type { GatehouseConfig } from './config/schema.ts';
import { type AuthLogger, createAudit, silentLogger } from './audit.ts';
import { type AccessTokenClaims, type BearerVerifierOptions, createBearerVerifier } from './bearer.ts';
import { AuthError, errorSummary } from './errors.ts';
import { createLocalBus, type SessionEventBus } from './events/bus.ts';
import { createLifecycle, type Lifecycle, type UserDirectory } from './lifecycle/effects.ts';
import { createEventHookHandler } from './lifecycle/event-hook.ts';
import { createGlobalTokenRevocationHandler } from './lifecycle/global-token-revocation.ts';
import { createBackchannelLogoutHandler } from './lifecycle/backchannel-logout.ts';
import { createRevalidator } from './lifecycle/revalidate.ts';
import * as oidc from 'openid-client';
import { handleCallback } from './oidc/callback.ts';
import { createOidcClient, type IdpProbeResult } from './oidc/client.ts';
import type { FlowContext, RenderError } from './oidc/context.ts';
import { renderErrorPage } from './oidc/error-page.ts';
import { handleLogin, stepUpUrl } from './oidc/login.ts';
import { handleLogout } from './oidc/logout.ts';
import { createRefresher, type RefreshOptions } from './oidc/refresh.ts';
import { type AppRoleDefinitions, createRoleTable, permissionsFor, readClaim, type RoleTable } from './rbac.ts';
import { requestFields, type RequestFacts } from './request-summary.ts';
import type { SessionCacheOptions } from './session/cache.ts';
import { createSessionManager, type SessionManager } from './session/manager.ts';
import { sessionCookie } from './session/cookie.ts';
import type { AuditSink, AuthStore, AuthUser, Permission, Role, SessionRecord } from './types.ts';

/** What every page, component and API handler reads about the caller. */
export interface AuthState {
  isAuthenticated: boolean;
  user: AuthUser | null;
  roles: Role[];
  permissions: Permission[];
  session: { id: string; createdAt: Date; expiresAt: Date; absoluteExpiresAt: Date; lastSeenAt: Date } | null;
  claims: SessionRecord['claims'];
  via: 'session' | 'bearer' | null;
}

/** Dependencies of {@link createAuth}; only `sessions` and `audit` are required. */
export interface AuthDeps {
  /**
   * The backend's sessions, login transactions and leases (`openStores` opens one). The core reads
   * and writes sessions only through its session manager (`auth.sessions`).
   */
  sessions: AuthStore;
  audit: AuditSink;
  logger?: AuthLogger;
  /** Replaces the default error page (called with plain text; escape it). */
  renderError?: RenderError;
  /** Used for every request to the IdP (discovery, JWKS, token endpoint); tests count with it. */
  fetch?: typeof fetch;
  now?: () => number;
  /** Which clients' access tokens `/api/*` accepts, and the scopes they need. */
  bearer?: BearerVerifierOptions;
  /**
   * Where session events go to every instance (Redis pub/sub, PostgreSQL LISTEN/NOTIFY); default
   * an in-process bus, right for one instance on SQLite or memory.
   */
  events?: SessionEventBus;
  /**
   * The validated-session cache's bounds (`session/cache.ts`), or `false` for none; default on.
   * Tests set a long `maxAgeMs` to show that only the bus keeps it coherent.
   */
  sessionCache?: SessionCacheOptions | false;
  /** The roles the project's apps add to the one RBAC table (their groups from `GATEHOUSE_ROLE_*_GROUPS`). */
  roles?: AppRoleDefinitions;
  /**
   * Reads a user's groups at the IdP (Okta's Management API), to re-role sessions when Okta says a
   * membership changed. Without it such a change ends the user's sessions instead (fail closed).
   */
  directory?: UserDirectory | null;
}

/** The auth core an app mounts (see `@gatehouse/auth/hono` for the Hono adapter). */
export interface Auth {
  readonly config: GatehouseConfig;
  readonly sessions: SessionManager;
  /** Revocations, role changes and new sessions, as every instance sees them. */
  readonly events: SessionEventBus;
  /** The one roles → permissions table, with the Okta groups granting each role: core and app roles. */
  readonly rbac: RoleTable;
  /** What Okta's changes (and the admin panel's) do to open sessions: end them, or re-role them. */
  readonly lifecycle: Lifecycle;
  /** `GET`/`POST /hooks/okta` (Okta Event Hooks); 404 unless `OKTA_EVENT_HOOK_SECRET` is set. */
  eventHook(request: Request): Promise<Response>;
  /** `POST /auth/global-token-revocation` (Okta Universal Logout). */
  globalTokenRevocation(request: Request): Promise<Response>;
  /** `POST /auth/backchannel-logout` (OIDC Back-Channel Logout 1.0). */
  backchannelLogout(request: Request): Promise<Response>;
  /** The clock the core uses (epoch ms); guards compare `auth_time` against it. */
  readonly now: () => number;
  /** `GET /auth/login`; `facts` are what the server adapter knows beyond the Web request (the client address). */
  login(request: Request, facts?: RequestFacts): Promise<Response>;
  /** `GET /auth/callback`; the new session records the client's network from `facts`. */
  callback(request: Request, facts?: RequestFacts): Promise<Response>;
  /** `POST /auth/logout` (other methods: 405 page) */
  logout(request: Request, facts?: RequestFacts): Promise<Response>;
  /**
   * The caller by session cookie; refreshes tokens when due. Never throws for bad input.
   * `touch: false` for requests that are not the user's activity (see `SessionManager.validate`).
   */
  authenticate(request: Request, options?: { touch?: boolean }): Promise<AuthState>;
  /**
   * The caller by `Authorization: Bearer`; `null` when the header is absent.
   * Throws `AuthError('AUTH_ACCESS_TOKEN_INVALID')` (or `AUTH_IDP_UNAVAILABLE`) for a bad token.
   */
  authenticateBearer(request: Request, facts?: RequestFacts): Promise<AuthState | null>;
  /** Fresh tokens for `session` (single-flight per session); `null` when the session has ended. */
  ensureFreshTokens(session: SessionRecord, options?: RefreshOptions): Promise<SessionRecord | null>;
  /** Verifies an Okta JWT access token (see `bearer.ts`). */
  verifyAccessToken(token: string): Promise<AccessTokenClaims>;
  /** `/auth/login?…` that sends the user back through the IdP for a fresh (and optionally MFA) sign-in. */
  stepUpUrl(returnTo: string, options?: { maxAgeSeconds?: number; mfa?: boolean | 'if-enrolled' }): string;
  /** Whether the IdP's discovery has succeeded (attempting it now if needed, respecting the backoff). */
  ready(): Promise<boolean>;
  /** Whether the IdP answers right now, from the cheap cached probe (`/readyz`; `/auth/login` checks it too). */
  idpStatus(): Promise<IdpProbeResult>;
  /** Records an audit event through the same best-effort sink (used by the adapters' guards). */
  audit(event: Parameters<AuditSink['record']>[0]): Promise<void>;
}

/** The state of a request nobody signed in for. */
export const ANONYMOUS: Readonly<AuthState> = Object.freeze({
  isAuthenticated: false,
  user: null,
  roles: [],
  permissions: [],
  session: null,
  claims: {},
  via: null,
});

function anonymous(): AuthState {
  return { ...ANONYMOUS, roles: [], permissions: [], claims: {} };
}

/** The {@link AuthState} of a valid session record. */
export function stateFromSession(session: SessionRecord, rbac?: RoleTable): AuthState {
  return {
    isAuthenticated: true,
    user: session.user,
    roles: session.roles,
    permissions: rbac ? rbac.permissionsFor(session.roles) : permissionsFor(session.roles),
    session: {
      id: session.id,
      createdAt: new Date(session.createdAt),
      expiresAt: new Date(session.expiresAt),
      absoluteExpiresAt: new Date(session.absoluteExpiresAt),
      lastSeenAt: new Date(session.lastSeenAt),
    },
    claims: session.claims,
    via: 'session',
  };
}

/** The {@link AuthState} of a verified Okta access token (`/api/*` with `Authorization: Bearer`). */
export function stateFromAccessToken(claims: AccessTokenClaims, config: GatehouseConfig, rbac: RoleTable): AuthState {
  const { roles, groups } = rbac.resolve(readClaim(claims, config.groupsClaim));
  return {
    isAuthenticated: true,
    user: {
      sub: claims.uid ?? claims.sub,
      // Okta access tokens carry the user's login (usually the email) in `sub`.
      email: claims.sub.includes('@') ? claims.sub : null,
      name: null,
      groups,
    },
    roles,
    permissions: rbac.permissionsFor(roles),
    session: null,
    claims: {},
    via: 'bearer',
  };
}

const BEARER = /^Bearer[ ]+([^\s]+)[ ]*$/i;

/**
 * Creates the auth core. Nothing is fetched here: IdP discovery happens on first use (or
 * `ready()`), so the app starts even while Okta is unreachable.
 * @see ARCHITECTURE.md "Routes" (the `/auth/*` contract)
 */
export async function createAuth(config: GatehouseConfig, deps: AuthDeps): Promise<Auth> {
  const now = deps.now ?? Date.now;
  const logger = deps.logger ?? silentLogger;
  const audit = createAudit(deps.audit, logger, now);
  const client = createOidcClient(config, { logger, now, ...(deps.fetch ? { fetch: deps.fetch } : {}) });
  const events = deps.events ?? createLocalBus({ now });
  const rbac = createRoleTable(config, deps.roles);
  const sessions = await createSessionManager(config, deps.sessions, {
    now,
    events,
    logger,
    onPublishError: (err) => logger.warn({ step: 'session-events', ...errorSummary(err) }, 'session event not published'),
    ...(deps.sessionCache !== undefined ? { cache: deps.sessionCache } : {}),
  });
  const cookie = sessionCookie(config);
  const ctx: FlowContext = {
    config,
    client,
    transactions: deps.sessions,
    sessions,
    cookie,
    audit,
    logger,
    now,
    renderError: deps.renderError ?? renderErrorPage,
    rbac,
    directory: deps.directory ?? null,
  };
  const refresher = createRefresher(ctx);
  const lifecycle = createLifecycle({
    config,
    sessions,
    audit,
    logger,
    directory: deps.directory ?? null,
    rbac,
    revokeRefreshToken: async (token) => oidc.tokenRevocation(await client.configuration(), token, { token_type_hint: 'refresh_token' }),
  });
  const leases = deps.sessions;
  const eventHook = createEventHookHandler({ config, lifecycle, leases, audit, logger });
  const globalTokenRevocation = createGlobalTokenRevocationHandler({ config, lifecycle, sessions, leases, audit, fetch: client.fetch });
  const backchannelLogout = createBackchannelLogoutHandler({ config, client, lifecycle, sessions, leases, audit });
  const revalidator = createRevalidator({ config, refresher, lifecycle, directory: deps.directory ?? null, sessions, audit, logger, now });
  const bearer = createBearerVerifier(config, client, deps.bearer);

  async function authenticate(request: Request, options: { touch?: boolean } = {}): Promise<AuthState> {
    try {
      const session = await sessions.validate(cookie.read(request), options);
      if (!session) return anonymous();
      const fresh = refresher.isDue(session) ? await refresher.ensureFreshTokens(session) : session;
      // Past SESSION_REVALIDATE_SECONDS the identity is checked at the IdP before answering.
      const checked = fresh ? await revalidator.check(fresh) : null;
      return checked ? stateFromSession(checked, rbac) : anonymous();
    } catch (err) {
      // A store outage must not sign anyone in; it shows as "not signed in", logged loudly.
      logger.error({ step: 'authenticate', ...errorSummary(err) }, 'session lookup failed');
      return anonymous();
    }
  }

  async function authenticateBearer(request: Request, facts: RequestFacts = {}): Promise<AuthState | null> {
    const header = request.headers.get('authorization');
    if (header === null) return null;
    const match = BEARER.exec(header);
    try {
      if (!match) throw new AuthError('AUTH_ACCESS_TOKEN_INVALID', { reason: 'malformed_authorization_header' });
      return stateFromAccessToken(await bearer.verifyAccessToken(match[1]!), config, rbac);
    } catch (err) {
      const error = err instanceof AuthError ? err : new AuthError('AUTH_ACCESS_TOKEN_INVALID', { cause: err });
      await audit.emit({ type: 'access.denied', result: 'failure', reason: error.reason, ...requestFields(request, facts), detail: { via: 'bearer', path: new URL(request.url).pathname } });
      throw error;
    }
  }

  return {
    config,
    rbac,
    sessions,
    events,
    lifecycle,
    eventHook,
    globalTokenRevocation,
    backchannelLogout,
    now,
    login: (request, facts) => handleLogin(ctx, request, facts),
    callback: (request, facts) => handleCallback(ctx, request, facts),
    logout: (request, facts) => handleLogout(ctx, request, facts),
    authenticate,
    authenticateBearer,
    ensureFreshTokens: (session, options) => refresher.ensureFreshTokens(session, options),
    verifyAccessToken: (token) => bearer.verifyAccessToken(token),
    stepUpUrl,
    ready: () => client.ready(),
    idpStatus: () => client.probe(),
    audit: (event) => audit.emit(event),
  };
}
