/**
 * The parts of Okta's Management API objects the doctor reads (all optional: a check never
 * trusts a field to be there).
 * @see https://developer.okta.com/docs/api/openapi/okta-management/management/tag/Application/
 * @see https://developer.okta.com/docs/api/openapi/okta-management/management/tag/AuthorizationServer/
 */

/** An OpenID Connect app integration. */
export interface OktaApp {
  id?: string;
  label?: string;
  status?: string;
  signOnMode?: string;
  credentials?: { oauthClient?: { client_id?: string; token_endpoint_auth_method?: string; pkce_required?: boolean } };
  settings?: { oauthClient?: { application_type?: string; redirect_uris?: string[]; post_logout_redirect_uris?: string[]; grant_types?: string[] } };
}

/** A custom authorization server. */
export interface OktaAuthorizationServer {
  id?: string;
  name?: string;
  status?: string;
  issuer?: string;
  audiences?: string[];
}

/** A claim of an authorization server. */
export interface OktaClaim {
  name?: string;
  status?: string;
  /** `IDENTITY`: ID token; `RESOURCE`: access token. */
  claimType?: string;
  /** `GROUPS` (a filter), `EXPRESSION`, `SYSTEM`. */
  valueType?: string;
  value?: string;
  /** `STARTS_WITH`, `EQUALS`, `CONTAINS`, `REGEX`. */
  group_filter_type?: string;
  alwaysIncludeInToken?: boolean;
  conditions?: { scopes?: string[] };
}

/** A scope of an authorization server. */
export interface OktaScope {
  name?: string;
}

/** An access policy. */
export interface OktaPolicy {
  id?: string;
  name?: string;
  status?: string;
  priority?: number;
  conditions?: { clients?: { include?: string[] } };
}

/** A rule of an access policy; lifetimes in minutes (refresh 0: unlimited). */
export interface OktaPolicyRule {
  name?: string;
  status?: string;
  priority?: number;
  conditions?: {
    people?: { groups?: { include?: string[] }; users?: { include?: string[] } };
    grantTypes?: { include?: string[] };
    scopes?: { include?: string[] };
  };
  actions?: { token?: { accessTokenLifetimeMinutes?: number; refreshTokenLifetimeMinutes?: number; refreshTokenWindowMinutes?: number } };
}

/** A group. */
export interface OktaGroup {
  id?: string;
  type?: string;
  profile?: { name?: string };
}

/** A user. */
export interface OktaUser {
  id?: string;
  status?: string;
  profile?: { login?: string };
}

/** A user's assignment to an app: `USER` individually, `GROUP` through a group (named in `_links.group`). */
export interface OktaAppUser {
  id?: string;
  scope?: string;
  status?: string;
  credentials?: { userName?: string };
  _links?: { group?: { name?: string; href?: string } };
}

/** An event hook. */
export interface OktaEventHook {
  name?: string;
  status?: string;
  verificationStatus?: string;
  events?: { items?: string[] };
  channel?: { config?: { uri?: string; authScheme?: { key?: string } | null } };
}
