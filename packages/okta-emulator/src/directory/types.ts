/**
 * The emulated Okta org's directory: users, groups, memberships, OIDC apps, API tokens,
 * service apps, event hooks and authorization-server settings. Seeded from JSON and persisted
 * in the data directory so a restart keeps every change.
 */

import type { AccessPoliciesSeed, AccessPolicy } from './access-policies.ts';

/** Okta user lifecycle statuses the emulator models. */
export type UserStatus = 'STAGED' | 'PROVISIONED' | 'ACTIVE' | 'SUSPENDED' | 'LOCKED_OUT' | 'DEPROVISIONED';

/**
 * An Okta user profile: the base attributes every user has, plus any custom ones.
 * @see https://developer.okta.com/docs/reference/api/users/
 */
export interface UserProfile {
  /** Unique in the org, compared case-insensitively. */
  login: string;
  email: string;
  firstName: string;
  lastName: string;
  [attribute: string]: string | null | undefined;
}

/**
 * A user as the directory stores it; timestamps are ISO 8601 strings, as Okta returns them.
 * @see https://developer.okta.com/docs/reference/api/users/
 */
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

/**
 * A group as the directory stores it; timestamps are ISO 8601 strings.
 * @see https://developer.okta.com/docs/reference/api/groups/
 */
export interface DirectoryGroup {
  /** Okta group id: `00g` + 17 base62 characters. */
  id: string;
  created: string;
  lastUpdated: string;
  lastMembershipUpdated: string;
  /** `BUILT_IN` groups (Okta's own, such as Everyone) cannot be deleted. */
  type: 'OKTA_GROUP' | 'BUILT_IN';
  profile: { name: string; description: string | null };
}

/**
 * An OIDC app integration (web app or API service app), as the emulator registers it with the provider.
 * @see https://developer.okta.com/docs/reference/api/apps/
 */
export interface OidcApp {
  /** Client id, Okta style (`0oa…`). */
  clientId: string;
  /** Null for clients that authenticate without a shared secret (`private_key_jwt`, `none`). */
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
  /** OIDC Back-Channel Logout 1.0 endpoint (set at run time, see Emulator.setLogoutEndpoints). */
  backchannelLogoutUri?: string;
  /** *Require PKCE as additional verification*; absent means true (every client must send PKCE). */
  pkceRequired?: boolean;
  /** Groups assigned to the app (*Assignments*), by id; absent means every group of the org. Reported, not enforced at sign-in. */
  assignedGroupIds?: string[];
  /** Users assigned to the app individually (*Assignments → Assign to People*), by id; absent means none. Reported, not enforced at sign-in. */
  assignedUserIds?: string[];
}

/**
 * An SSWS API token for the Management API.
 * @see https://developer.okta.com/docs/guides/create-an-api-token/
 */
export interface ApiToken {
  id: string;
  name: string;
  /** SHA-256 (base64url) of the SSWS token value; the value itself is never stored. */
  tokenHash: string;
  created: string;
}

/**
 * An event hook: where the emulator POSTs the Okta events it subscribes to. Deliveries go only
 * to hooks that are both `ACTIVE` and `VERIFIED`.
 * @see https://developer.okta.com/docs/concepts/event-hooks/
 */
export interface EventHook {
  id: string;
  name: string;
  status: 'ACTIVE' | 'INACTIVE';
  /** `VERIFIED` once the endpoint has answered the one-time verification challenge. */
  verificationStatus: 'VERIFIED' | 'UNVERIFIED';
  /** Okta event types it subscribes to (`user.lifecycle.deactivate`, …). */
  events: string[];
  url: string;
  /** Authorization header sent with every delivery, e.g. `{ key: 'Authorization', value: '…' }`. */
  authScheme: { type: 'HEADER'; key: string; value: string } | null;
  /** Custom headers sent with every request to the hook, before the auth header. */
  headers: Array<{ key: string; value: string }>;
  created: string;
  lastUpdated: string;
}

/**
 * The `default` custom authorization server: audience, token lifetimes and groups claim.
 * @see https://developer.okta.com/docs/concepts/auth-servers/#custom-authorization-server
 */
export interface AuthorizationServerSettings {
  /** Authorization server id, `default`. */
  id: string;
  /** `aud` of every access token it issues (Okta's default: `api://default`). */
  audience: string;
  /** Groups claim: included in ID (and access) tokens when the `groups` scope is asked for. */
  groupsClaim: { enabled: boolean; name: string; filterRegex: string; maxGroups: number };
  accessTokenLifetimeSeconds: number;
  idTokenLifetimeSeconds: number;
  refreshTokenLifetimeSeconds: number;
  /** Seconds a rotated refresh token may still be used (Okta's "grace period for token rotation"). */
  refreshTokenReuseGraceSeconds: number;
  /** Scopes the server defines; absent means Okta's reserved scopes plus `groups` (see access-policies.ts). */
  scopes?: string[];
  /** Access policies in priority order; absent means Okta's *Default Policy* (see access-policies.ts). */
  accessPolicies?: AccessPolicy[];
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
  /** `groupAssignments`: group names or ids; `userAssignments`: logins or ids (assigned individually). */
  apps: Array<Partial<Omit<OidcApp, 'assignedGroupIds' | 'assignedUserIds'>> & { clientId: string; groupAssignments?: string[]; userAssignments?: string[] }>;
  /** Plain SSWS token values; stored hashed. */
  apiTokens?: Array<{ name: string; token: string }>;
  eventHooks?: Array<Partial<EventHook> & { url: string; events: string[] }>;
  authorizationServer?: Partial<Omit<AuthorizationServerSettings, 'accessPolicies'>> & { accessPolicies?: AccessPoliciesSeed };
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
