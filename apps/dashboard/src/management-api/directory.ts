/**
 * The admin panel's window onto Okta users and groups, through `@okta/okta-sdk-nodejs` v8
 * (Management API). The wrapper keeps the SDK's shapes out of the pages and turns its errors
 * into one {@link DirectoryError} with a `code`.
 * @see https://developer.okta.com/docs/api/openapi/okta-management/management/tag/User/
 */
import okta from '@okta/okta-sdk-nodejs';
import type { Client, Group, User } from '@okta/okta-sdk-nodejs';
import type { OktaManagement } from '@gatehouse/app-kit';
import type { Logger } from 'pino';
import type { GatehouseConfig } from '@gatehouse/auth/config';
import { DirectoryError } from './errors.ts';
import { checkServiceAppKey } from './private-key.ts';
import { DirectoryRequestExecutor } from './request-executor.ts';

export { DirectoryError, type DirectoryErrorCode } from './errors.ts';

/** The Okta API scopes the admin panel's calls need, one per call. */
export type ManagementScope = 'okta.users.read' | 'okta.users.manage' | 'okta.groups.read' | 'okta.groups.manage';

/**
 * The SDK client(s) behind a directory: one client for every call (an API token carries its
 * admin's rights), or one per scope for a service app, so that each access token asks only for
 * the scope its call needs — a read-only service app can still list users, and a missing scope
 * is named in the error of the one action that needs it.
 */
export type DirectoryClients = Client | ((scope: ManagementScope) => Client);

/** An Okta user as the admin pages show it, flattened from the SDK's `User`. */
export interface DirectoryUser {
  id: string;
  /** Okta lifecycle status (`ACTIVE`, `PROVISIONED`, `DEPROVISIONED`, …). */
  status: string;
  login: string;
  email: string;
  firstName: string;
  lastName: string;
  created: Date | null;
  lastLogin: Date | null;
}

/** An Okta group as the admin pages show it. */
export interface DirectoryGroup {
  id: string;
  name: string;
  description: string;
  /** `OKTA_GROUP` for groups admins may assign; `BUILT_IN` is Okta's own `Everyone`. */
  type: string;
}

/**
 * A user to create (and activate) in Okta: the email is also the login; the user joins `groupIds`.
 * @see https://developer.okta.com/docs/reference/api/users/#create-user
 */
export interface NewUser {
  email: string;
  firstName: string;
  lastName: string;
  groupIds: string[];
  /** Initial password; without one Okta leaves the user PROVISIONED until they finish activation. */
  password?: string;
}

/**
 * Why the admin panel has no Okta directory (shown where user management would be): the identity
 * provider is not Okta, so users and groups are managed there; or no Management API credentials.
 */
export function directoryOffReason(config: GatehouseConfig): string {
  if (config.okta.kind !== 'okta') {
    return `User management is off: the identity provider (${config.okta.issuer}) is not Okta, so there is no Okta Management API to call. ` +
      `Manage users and their roles in that provider; Gatehouse maps its ${config.groupsClaim} claim to roles at each sign-in.`;
  }
  return 'User management needs Okta Management API credentials: set OKTA_API_TOKEN (Security → API → Tokens), or ' +
    'OKTA_MANAGEMENT_CLIENT_ID and OKTA_MANAGEMENT_PRIVATE_KEY for a service app with the okta.users.manage and okta.groups.manage scopes.';
}

// 3 retries after a 429, each waiting until X-Rate-Limit-Reset (+1 s); 30 s overall so a page
// never hangs on a long rate-limit window.
const MAX_RETRIES = 3;
const REQUEST_TIMEOUT_MS = 30_000;
/** Users and groups listed per page view; larger orgs narrow down with the search. */
export const MAX_LISTED = 200;
/** Most groups read for one user's roles. 10,000: fifty pages of Okta's 200; past it, fail closed. */
export const MAX_GROUPS_FOR_ROLES = 10_000;

function toUser(user: User): DirectoryUser {
  const profile = (user.profile ?? {}) as unknown as Record<string, unknown>;
  const text = (key: string) => (typeof profile[key] === 'string' ? (profile[key] as string) : '');
  return {
    id: user.id ?? '',
    status: String(user.status ?? 'UNKNOWN'),
    login: text('login'),
    email: text('email'),
    firstName: text('firstName'),
    lastName: text('lastName'),
    created: user.created ? new Date(user.created) : null,
    lastLogin: user.lastLogin ? new Date(user.lastLogin) : null,
  };
}

function toGroup(group: Group): DirectoryGroup {
  return {
    id: group.id ?? '',
    name: group.profile?.name ?? '',
    description: group.profile?.description ?? '',
    type: String(group.type ?? ''),
  };
}

/** Translates SDK/fetch errors; the only place that knows their shapes. */
function toDirectoryError(err: unknown): DirectoryError {
  if (err instanceof DirectoryError) return err;
  const status = Number((err as { status?: unknown } | null)?.status);
  const summary = (err as { errorSummary?: unknown } | null)?.errorSummary;
  const causes = (err as { errorCauses?: Array<{ errorSummary?: unknown }> } | null)?.errorCauses;
  const detail = [summary, ...(causes ?? []).map((cause) => cause.errorSummary)].filter((part): part is string => typeof part === 'string' && part.length > 0).join(' ').slice(0, 300);
  if (status === 404) return new DirectoryError('DIRECTORY_NOT_FOUND', detail || 'Not found in Okta.', { cause: err, status });
  if (status === 400) return new DirectoryError('DIRECTORY_INVALID', detail || 'Okta rejected the request.', { cause: err, status });
  if (status === 401 || status === 403) {
    return new DirectoryError(
      'DIRECTORY_FORBIDDEN',
      'Okta refused the API credentials; check OKTA_API_TOKEN (its admin needs user and group administration), or for a service app its Okta API Scopes and its admin role.',
      { cause: err, status },
    );
  }
  if (status === 429) return new DirectoryError('DIRECTORY_RATE_LIMITED', 'Okta is rate-limiting the Management API; try again in a minute.', { cause: err, status });
  return new DirectoryError('DIRECTORY_UNAVAILABLE', 'Okta\'s Management API could not be reached.', { cause: err, status: Number.isFinite(status) ? status : 0 });
}

async function take<T>(collection: AsyncIterable<T | null>, max: number): Promise<T[]> {
  const items: T[] = [];
  for await (const item of collection) {
    if (item) items.push(item);
    if (items.length >= max) break;
  }
  return items;
}

const MANAGEMENT_SCOPES: readonly ManagementScope[] = ['okta.users.read', 'okta.users.manage', 'okta.groups.read', 'okta.groups.manage'];

/** Users and groups of the Okta org, as the admin panel and the project's apps (`ctx.okta`) need them. */
export class OktaDirectory implements OktaManagement {
  readonly #clientFor: (scope: ManagementScope) => Client;

  constructor(clients: DirectoryClients) {
    this.#clientFor = typeof clients === 'function' ? clients : () => clients;
  }

  /**
   * Builds the directory from config: a service app with a private key (`OKTA_MANAGEMENT_CLIENT_ID`
   * + `OKTA_MANAGEMENT_PRIVATE_KEY`, `private_key_jwt`), else an API token (`OKTA_API_TOKEN`).
   * `null` when neither is configured: the users pages then explain how to enable them.
   * @throws Error at start-up when the service app is half-configured or its key is unreadable.
   * @see https://developer.okta.com/docs/guides/implement-oauth-for-okta-serviceapp/main/
   */
  static fromConfig(config: GatehouseConfig, logger?: Pick<Logger, 'warn'>): OktaDirectory | null {
    const { orgUrl, apiToken, managementClientId, managementPrivateKey } = config.okta;
    if (!orgUrl) return null;
    if (config.okta.kind !== 'okta') {
      // Another IdP has no Okta Management API: the credentials would only produce errors later.
      if (apiToken || managementClientId) logger?.warn({ issuer: config.okta.issuer }, 'Okta Management API credentials are set but the issuer is not Okta; user management is off');
      return null;
    }
    const common = () => ({
      orgUrl,
      requestExecutor: new DirectoryRequestExecutor({ maxRetries: MAX_RETRIES, requestTimeout: REQUEST_TIMEOUT_MS, logger }),
      // No response cache: the SDK's keeps single-resource GETs forever, so a user changed in
      // the Okta console or by another replica would show its old status here.
      cacheMiddleware: null,
    });
    if (managementClientId && !managementPrivateKey) throw new Error('OKTA_MANAGEMENT_CLIENT_ID is set without OKTA_MANAGEMENT_PRIVATE_KEY: set both for a service app, or neither to use OKTA_API_TOKEN.');
    if (managementPrivateKey && !managementClientId) throw new Error('OKTA_MANAGEMENT_PRIVATE_KEY is set without OKTA_MANAGEMENT_CLIENT_ID: set the service app\'s client ID too.');
    if (managementClientId && managementPrivateKey) {
      const privateKey = checkServiceAppKey(managementPrivateKey);
      const clients = new Map<ManagementScope, Client>(
        MANAGEMENT_SCOPES.map((scope) => [scope, new okta.Client({ ...common(), authorizationMode: 'PrivateKey', clientId: managementClientId, scopes: [scope], privateKey })]),
      );
      return new OktaDirectory((scope) => clients.get(scope)!);
    }
    if (apiToken) return new OktaDirectory(new okta.Client({ ...common(), token: apiToken }));
    return null;
  }

  async #call<T>(scope: ManagementScope, work: (client: Client) => Promise<T>): Promise<T> {
    try {
      return await work(this.#clientFor(scope));
    } catch (err) {
      throw toDirectoryError(err);
    }
  }

  /** Users, optionally matching `query` (Okta's `q`: prefix of first name, last name or email). */
  listUsers(query?: string, max = MAX_LISTED): Promise<DirectoryUser[]> {
    return this.#call('okta.users.read', async (client) => {
      const params = query ? { q: query, limit: Math.min(max, 200) } : { limit: Math.min(max, 200) };
      const users = await take(await client.userApi.listUsers(params), max);
      return users.map(toUser);
    });
  }

  getUser(id: string): Promise<DirectoryUser> {
    return this.#call('okta.users.read', async (client) => toUser(await client.userApi.getUser({ userId: id }) as User));
  }

  listUserGroups(id: string): Promise<DirectoryGroup[]> {
    return this.#call('okta.users.read', async (client) => (await take(await client.userApi.listUserGroups({ userId: id }), MAX_LISTED)).map(toGroup));
  }

  /** The members of a group (the access review's admins and viewers). */
  listGroupUsers(groupId: string, max = MAX_LISTED): Promise<DirectoryUser[]> {
    return this.#call('okta.groups.read', async (client) => (await take(await client.groupApi.listGroupUsers({ groupId, limit: Math.min(max, 200) }), max)).map(toUser));
  }

  /**
   * Every group name of the user, all pages read, for computing roles (`auth.lifecycle`). Rejects
   * past {@link MAX_GROUPS_FOR_ROLES} rather than return part of the list.
   */
  allUserGroupNames(id: string): Promise<string[]> {
    return this.#call('okta.users.read', async (client) => {
      const names: string[] = [];
      for await (const group of await client.userApi.listUserGroups({ userId: id })) {
        if (!group) continue;
        if (names.length >= MAX_GROUPS_FOR_ROLES) throw new DirectoryError('DIRECTORY_UNAVAILABLE', `The user is in more than ${MAX_GROUPS_FOR_ROLES} groups; roles are not computed from part of the list.`, { status: 0 });
        names.push(toGroup(group).name);
      }
      return names;
    });
  }

  listGroups(): Promise<DirectoryGroup[]> {
    return this.#call('okta.groups.read', async (client) => (await take(await client.groupApi.listGroups({ limit: 200 }), MAX_LISTED)).map(toGroup));
  }

  /**
   * Creates and activates a user in the given groups: ACTIVE with an initial password, otherwise
   * PROVISIONED (Okta emails them an activation link).
   */
  createUser(user: NewUser): Promise<DirectoryUser> {
    return this.#call('okta.users.manage', async (client) => {
      const created = await client.userApi.createUser({
        activate: true,
        body: {
          profile: { email: user.email, login: user.email, firstName: user.firstName, lastName: user.lastName },
          groupIds: user.groupIds,
          ...(user.password ? { credentials: { password: { value: user.password } } } : {}),
        },
      });
      return toUser(created);
    });
  }

  addToGroup(userId: string, groupId: string): Promise<void> {
    return this.#call('okta.groups.manage', (client) => client.groupApi.assignUserToGroup({ groupId, userId }));
  }

  removeFromGroup(userId: string, groupId: string): Promise<void> {
    return this.#call('okta.groups.manage', (client) => client.groupApi.unassignUserFromGroup({ groupId, userId }));
  }

  deactivate(userId: string): Promise<void> {
    return this.#call('okta.users.manage', (client) => client.userApi.deactivateUser({ userId, sendEmail: false }));
  }

  /** Okta's suspend (ACTIVE → SUSPENDED): no sign-in until unsuspended; groups and apps are kept. */
  suspend(userId: string): Promise<void> {
    return this.#call('okta.users.manage', (client) => client.userApi.suspendUser({ userId }));
  }
}
