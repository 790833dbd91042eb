/**
 * The admin panel's window onto Okta users and groups, through `@okta/okta-sdk-nodejs` v8
 * (Management API). The wrapper keeps the SDK's shapes out of the pages and turns its errors
 * into one {@link DirectoryError} with a `code`.
 * @see https://developer.okta.com/docs/api/openapi/okta-management/management/tag/User/
 */
import okta from '@okta/okta-sdk-nodejs';
import type { Client, Group, User } from '@okta/okta-sdk-nodejs';
import type { Logger } from 'pino';
import type { GatehouseConfig } from '../auth.ts';

export type DirectoryErrorCode =
  | 'DIRECTORY_NOT_FOUND'
  | 'DIRECTORY_INVALID'
  | 'DIRECTORY_FORBIDDEN'
  | 'DIRECTORY_RATE_LIMITED'
  | 'DIRECTORY_UNAVAILABLE';

/** A Management API failure, reduced to what a page can show (no URL, no token). */
export class DirectoryError extends Error {
  override readonly name = 'DirectoryError';
  readonly code: DirectoryErrorCode;
  readonly status: number;

  constructor(code: DirectoryErrorCode, message: string, options: { cause?: unknown; status?: number } = {}) {
    super(message, { cause: options.cause });
    this.code = code;
    this.status = options.status ?? 0;
  }
}

export interface DirectoryUser {
  id: string;
  status: string;
  login: string;
  email: string;
  firstName: string;
  lastName: string;
  created: Date | null;
  lastLogin: Date | null;
}

export interface DirectoryGroup {
  id: string;
  name: string;
  description: string;
  /** `OKTA_GROUP` for groups admins may assign; `BUILT_IN` is Okta's own `Everyone`. */
  type: string;
}

export interface NewUser {
  email: string;
  firstName: string;
  lastName: string;
  groupIds: string[];
  /** Initial password; without one Okta leaves the user PROVISIONED until they finish activation. */
  password?: string;
}

// 3 retries after a 429, each waiting until X-Rate-Limit-Reset (+1 s); 30 s overall so a page
// never hangs on a long rate-limit window.
const MAX_RETRIES = 3;
const REQUEST_TIMEOUT_MS = 30_000;
/** Users and groups listed per page view; larger orgs narrow down with the search. */
export const MAX_LISTED = 200;

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
    return new DirectoryError('DIRECTORY_FORBIDDEN', 'Okta refused the API credentials; check OKTA_API_TOKEN (or the service app key and its scopes).', { cause: err, status });
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

/** Users and groups of the Okta org, as the admin panel needs them. */
export class OktaDirectory {
  readonly #client: Client;

  constructor(client: Client) {
    this.#client = client;
  }

  /**
   * Builds the directory from config: an API token (`OKTA_API_TOKEN`) or a service app with a
   * private key (`OKTA_MANAGEMENT_CLIENT_ID` + `OKTA_MANAGEMENT_PRIVATE_KEY`). `null` when neither
   * is configured: the users pages then explain how to enable them.
   */
  static fromConfig(config: GatehouseConfig, logger?: Pick<Logger, 'warn'>): OktaDirectory | null {
    const requestExecutor = new okta.DefaultRequestExecutor({ maxRetries: MAX_RETRIES, requestTimeout: REQUEST_TIMEOUT_MS });
    requestExecutor.on('backoff', (_request: unknown, _response: unknown, _requestId: unknown, delayMs: unknown) => {
      logger?.warn({ delayMs }, 'Okta Management API rate limit reached; retrying after X-Rate-Limit-Reset');
    });
    const { orgUrl, apiToken, managementClientId, managementPrivateKey } = config.okta;
    if (!orgUrl) return null;
    if (managementClientId && managementPrivateKey) {
      return new OktaDirectory(new okta.Client({
        orgUrl,
        authorizationMode: 'PrivateKey',
        clientId: managementClientId,
        scopes: ['okta.users.read', 'okta.users.manage', 'okta.groups.read', 'okta.groups.manage'],
        privateKey: managementPrivateKey,
        requestExecutor,
      }));
    }
    if (apiToken) return new OktaDirectory(new okta.Client({ orgUrl, token: apiToken, requestExecutor }));
    return null;
  }

  async #call<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (err) {
      throw toDirectoryError(err);
    }
  }

  /** Users, optionally matching `query` (Okta's `q`: prefix of first name, last name or email). */
  listUsers(query?: string, max = MAX_LISTED): Promise<DirectoryUser[]> {
    return this.#call(async () => {
      const params = query ? { q: query, limit: Math.min(max, 200) } : { limit: Math.min(max, 200) };
      const users = await take(await this.#client.userApi.listUsers(params), max);
      return users.map(toUser);
    });
  }

  getUser(id: string): Promise<DirectoryUser> {
    return this.#call(async () => toUser(await this.#client.userApi.getUser({ userId: id }) as User));
  }

  listUserGroups(id: string): Promise<DirectoryGroup[]> {
    return this.#call(async () => (await take(await this.#client.userApi.listUserGroups({ userId: id }), MAX_LISTED)).map(toGroup));
  }

  listGroups(): Promise<DirectoryGroup[]> {
    return this.#call(async () => (await take(await this.#client.groupApi.listGroups({ limit: 200 }), MAX_LISTED)).map(toGroup));
  }

  /**
   * Creates and activates a user in the given groups: ACTIVE with an initial password, otherwise
   * PROVISIONED (Okta emails them an activation link).
   */
  createUser(user: NewUser): Promise<DirectoryUser> {
    return this.#call(async () => {
      const created = await this.#client.userApi.createUser({
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
    return this.#call(() => this.#client.groupApi.assignUserToGroup({ groupId, userId }));
  }

  removeFromGroup(userId: string, groupId: string): Promise<void> {
    return this.#call(() => this.#client.groupApi.unassignUserFromGroup({ groupId, userId }));
  }

  deactivate(userId: string): Promise<void> {
    return this.#call(() => this.#client.userApi.deactivateUser({ userId, sendEmail: false }));
  }
}
