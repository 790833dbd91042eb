/**
 * The emulated Okta org's directory: users, groups, memberships, OIDC apps, API tokens,
 * service apps, event hooks and authorization-server settings. Seeded from JSON and persisted
 * in the data directory so a restart keeps every change.
 */

/** Okta user lifecycle statuses the emulator models. */
export type UserStatus = 'STAGED' | 'PROVISIONED' | 'ACTIVE' | 'SUSPENDED' | 'DEPROVISIONED';

export interface UserProfile {
  login: string;
  email: string;
  firstName: string;
  lastName: string;
  [attribute: string]: string | null | undefined;
}

export interface DirectoryUser {
  /** Okta user id: `00u` + 17 base62 characters. */
  id: string;
  status: UserStatus;
  created: string;
  activated: string | null;
  statusChanged: string | null;
  lastLogin: string | null;
  lastUpdated: string;
  passwordChanged: string | null;
  profile: UserProfile;
  /** scrypt hash `scrypt$<salt b64url>$<hash b64url>`; null when no password is set. */
  passwordHash: string | null;
  /** TOTP factor; present when enrolled. */
  totp: { secret: string } | null;
  /**
   * When the sign-on policy asks for the second factor:
   * 'always' every sign-in, 'on_request' only when the client asks (acr_values / step-up).
   */
  mfaPolicy: 'always' | 'on_request';
}

export interface DirectoryGroup {
  /** Okta group id: `00g` + 17 base62 characters. */
  id: string;
  created: string;
  lastUpdated: string;
  lastMembershipUpdated: string;
  type: 'OKTA_GROUP' | 'BUILT_IN';
  profile: { name: string; description: string | null };
}

export interface OidcApp {
  /** Client id, Okta style (`0oa…`). */
  clientId: string;
  clientSecret: string | null;
  name: string;
  redirectUris: string[];
  postLogoutRedirectUris: string[];
  grantTypes: Array<'authorization_code' | 'refresh_token' | 'client_credentials'>;
  /** 'client_secret_basic' | 'client_secret_post' for web apps, 'private_key_jwt' for service apps. */
  tokenEndpointAuthMethod: 'client_secret_basic' | 'client_secret_post' | 'private_key_jwt' | 'none';
  /** Public JWKS for private_key_jwt service apps. */
  jwks: { keys: Array<Record<string, unknown>> } | null;
  /** Okta API scopes granted to a service app (`okta.users.read`, …). */
  grantedScopes: string[];
}

export interface ApiToken {
  id: string;
  name: string;
  /** SHA-256 (base64url) of the SSWS token value; the value itself is never stored. */
  tokenHash: string;
  created: string;
}

export interface EventHook {
  id: string;
  name: string;
  status: 'ACTIVE' | 'INACTIVE';
  verificationStatus: 'VERIFIED' | 'UNVERIFIED';
  events: string[];
  url: string;
  /** Authorization header sent with every delivery, e.g. `{ key: 'Authorization', value: '…' }`. */
  authScheme: { type: 'HEADER'; key: string; value: string } | null;
  headers: Array<{ key: string; value: string }>;
  created: string;
  lastUpdated: string;
}

export interface AuthorizationServerSettings {
  /** Authorization server id, `default`. */
  id: string;
  audience: string;
  /** Groups claim: included in ID (and access) tokens when the `groups` scope is asked for. */
  groupsClaim: { enabled: boolean; name: string; filterRegex: string; maxGroups: number };
  accessTokenLifetimeSeconds: number;
  idTokenLifetimeSeconds: number;
  refreshTokenLifetimeSeconds: number;
  /** Seconds a rotated refresh token may still be used (Okta's "grace period for token rotation"). */
  refreshTokenReuseGraceSeconds: number;
}

/** The seed file (`--seed`) shape: everything optional except what a minimal org needs. */
export interface DirectorySeed {
  /** Okta org id (`00o…`); generated when absent. */
  orgId?: string;
  users: Array<{
    id?: string;
    status?: UserStatus;
    profile: UserProfile;
    password?: string;
    totpSecret?: string;
    mfaPolicy?: 'always' | 'on_request';
    groups?: string[];
  }>;
  groups: Array<{ id?: string; name: string; description?: string }>;
  apps: Array<Partial<OidcApp> & { clientId: string }>;
  /** Plain SSWS token values; stored hashed. */
  apiTokens?: Array<{ name: string; token: string }>;
  eventHooks?: Array<Partial<EventHook> & { url: string; events: string[] }>;
  authorizationServer?: Partial<AuthorizationServerSettings>;
  /** Management API rate limit, requests per minute per token/client. */
  rateLimitPerMinute?: number;
}

/** A change the directory announces; Event Hooks turn these into Okta events. */
export interface DirectoryEvent {
  /** Okta event type, e.g. `user.lifecycle.deactivate`, `group.user_membership.add`. */
  eventType: string;
  displayMessage: string;
  actor: { id: string; type: string; alternateId: string; displayName: string };
  target: Array<{ id: string; type: 'User' | 'UserGroup' | 'AppInstance'; alternateId: string; displayName: string }>;
  outcome: { result: 'SUCCESS' | 'FAILURE'; reason?: string | null };
  published: string;
}
