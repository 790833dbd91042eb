/**
 * `@gatehouse/auth`: OpenID Connect relying party, server-side sessions, token refresh and RBAC
 * for apps behind Okta, on Web `Request`/`Response` — the Web-only core (`tsconfig.core.json`
 * type-checks it with no Node types). Config loading (Node): `@gatehouse/auth/config`; Hono
 * adapter: `@gatehouse/auth/hono`; stores: `@gatehouse/auth/stores/*`.
 */
export { ANONYMOUS, createAuth, stateFromSession, type Auth, type AuthDeps, type AuthState } from './auth.ts';
export { AuthError, describeError, errorSummary, isAuthErrorCode, ownFailure, StoreUnavailableError, type AuthErrorCode, type AuthErrorStatus, type StoreFailureCause } from './errors.ts';
export type { AuthLogger } from './audit.ts';
export { clientNetwork, resolveClientAddress, summarizeUserAgent, type RequestFacts } from './request-summary.ts';
export { bearerChallenge, type AccessTokenClaims, type BearerVerifierOptions } from './bearer.ts';
export type { IdpProbeResult } from './oidc/client.ts';
export type { ErrorPageInput, RenderError } from './oidc/context.ts';
export { escapeHtml, renderErrorJson, renderErrorPage } from './oidc/error-page.ts';
export { MFA_ACR, MFA_IF_ENROLLED_ACR } from './oidc/login.ts';
export { hasMfa } from './oidc/claims.ts';
export type { RefreshOptions } from './oidc/refresh.ts';
export { ConfigError, type ConfigIssue } from './config/errors.ts';
export { parseConfig, type GatehouseConfig } from './config/schema.ts';
export { redactConfig } from './config/redact.ts';
export {
  APP_ROLE_NAME,
  appRoleVariable,
  createRoleTable,
  hasPermission,
  PERMISSION_NAME,
  permissionsFor,
  readClaim,
  resolveRoles,
  ROLE_PERMISSIONS,
  ROLES,
  type AppRoleDefinition,
  type AppRoleDefinitions,
  type GroupsClaimProblem,
  type RoleTable,
} from './rbac.ts';
export { normalizeReturnTo } from './return-to.ts';
export { createSessionManager, sessionCookie, type RefreshTurn, type SessionManager, type SessionManagerOptions, type TokenBundle, SESSION_CACHE_MAX_AGE_MS, type SessionCacheOptions } from './session/index.ts';
export type {
  AuditEvent,
  AuditEventType,
  AuditLog,
  AuditQuery,
  AuditSink,
  AppPermissionRegistry,
  AppRoleRegistry,
  AuthStore,
  AuthUser,
  CorePermission,
  CoreRole,
  LeaseStore,
  LoginTransaction,
  Permission,
  Role,
  SessionListQuery,
  SessionRecord,
  SessionStore,
  StoredAuditEvent,
  TransactionStore,
} from './types.ts';
export {
  createLocalBus,
  parseSessionEvent,
  type BusTransport,
  type SessionEndReason,
  type SessionEvent,
  type SessionEventBus,
  type SessionEventInput,
  type SessionEventListener,
} from './events/bus.ts';
