/**
 * What the host gives an app's `createApp(ctx)`: the one configuration, the one auth core (so the
 * one session and RBAC table), the audit log, a typed Okta Management API client, and the
 * project's page shell — an app never builds any of these itself.
 */
import type { AuditLog, Auth, AuthLogger, GatehouseConfig } from '@gatehouse/auth';
import type { AuthEnv, SignedInState } from '@gatehouse/auth/hono';
import type { Context } from 'hono';
import type { Child } from 'hono/jsx';

/** An Okta user, flattened from the Management API's `User`. */
export interface OktaUser {
  /** Okta user id (`00u…`), the `sub` of the user's sessions. */
  id: string;
  /** Okta lifecycle status (`ACTIVE`, `SUSPENDED`, `DEPROVISIONED`, …). */
  status: string;
  login: string;
  email: string;
  firstName: string;
  lastName: string;
  created: Date | null;
  /** When Okta last saw the user sign in; `null` if never. */
  lastLogin: Date | null;
}

/** An Okta group. */
export interface OktaGroup {
  id: string;
  name: string;
  description: string;
  /** `OKTA_GROUP`, `APP_GROUP` or `BUILT_IN` (Okta's `Everyone`). */
  type: string;
}

/**
 * The Okta Management API as apps use it (users and groups, read side), through the project's
 * one client (`@okta/okta-sdk-nodejs`, API token or service app, retries on 429). Methods reject
 * with an error whose `code` is `DIRECTORY_*` and whose message is safe to show.
 * @see https://developer.okta.com/docs/api/openapi/okta-management/management/tag/User/
 */
export interface OktaManagement {
  /** Users, optionally matching `query` (Okta's `q`: prefix of first name, last name or email). */
  listUsers(query?: string, max?: number): Promise<OktaUser[]>;
  getUser(id: string): Promise<OktaUser>;
  listUserGroups(id: string): Promise<OktaGroup[]>;
  listGroups(): Promise<OktaGroup[]>;
  /** The members of a group. */
  listGroupUsers(groupId: string, max?: number): Promise<OktaUser[]>;
}

/** Props of {@link AppContext.page}. */
export interface PageProps {
  /** Page title; the document title is `<title> · <app title> · Gatehouse`. */
  title: string;
  children?: Child;
  /** HTTP status; default 200. */
  status?: 200 | 400 | 403 | 404 | 409 | 422 | 502 | 503;
}

/** What an app's `createApp` is given. */
export interface AppContext {
  /** The project's one configuration. */
  config: GatehouseConfig;
  /** The project's one auth core: the session, the RBAC table (`auth.rbac`), step-up URLs. */
  auth: Auth;
  /** The project's audit log: record the app's actions as `admin.action` events with an `app` detail. */
  audit: AuditLog;
  logger: AuthLogger;
  /** The Management API; `null` when neither an API token nor a service app is configured. */
  okta: OktaManagement | null;
  /** Where the app is mounted, e.g. `/apps/approvals` (no trailing slash); links are built from it. */
  basePath: string;
  /** Renders `children` in the project's page shell: header, navigation of the apps the user opens, sign-out. */
  page(c: Context<AuthEnv>, props: PageProps): Response | Promise<Response>;
  /**
   * The project's step-up for sensitive actions, as the admin panel applies it (`STEP_UP_MAX_AGE`,
   * `STEP_UP_MFA`): the signed-in caller if their Okta sign-in is recent enough (with a second
   * factor unless configured otherwise), else a redirect through Okta coming back to `returnTo`
   * (a GET page: a redirect cannot replay a POST).
   */
  requireStepUp(c: Context<AuthEnv>, returnTo: string): SignedInState;
}
