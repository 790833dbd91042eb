import { DirectoryError } from './errors.ts';
import { oktaId } from './ids.ts';
import { hashPassword } from './password.ts';
import type { DirectoryUser, UserProfile } from './types.ts';

/** What `createUser` needs: Okta's create-user body, flattened. */
export interface CreateUserInput {
  profile: UserProfile;
  password?: string | null;
  /** true: ACTIVE (with a password) or PROVISIONED (without); false: STAGED. */
  activate: boolean;
  groupIds?: string[];
}

/** A new user record as Okta's create-user makes it: ACTIVE with a password, PROVISIONED without, STAGED unless activated. */
export function newUser(input: CreateUserInput): DirectoryUser {
  const now = new Date().toISOString();
  const hasPassword = Boolean(input.password);
  return {
    id: oktaId('00u'),
    status: input.activate ? (hasPassword ? 'ACTIVE' : 'PROVISIONED') : 'STAGED',
    created: now,
    activated: input.activate ? now : null,
    statusChanged: input.activate ? now : null,
    lastLogin: null,
    lastUpdated: now,
    passwordChanged: hasPassword ? now : null,
    profile: { ...input.profile },
    passwordHash: input.password ? hashPassword(input.password) : null,
    totp: null,
    mfaPolicy: 'on_request',
  };
}

/**
 * The directory's users, found by id or by login the way Okta finds them: logins are unique and
 * compared case-insensitively. Holds the directory's own user objects, not copies: the directory
 * changes them in place and copies what it hands out. A login changes only through `setProfile`,
 * so the login index never goes stale.
 */
export class UserIndex {
  readonly #byId = new Map<string, DirectoryUser>();
  /** Lower-cased login → user id. */
  readonly #idByLogin = new Map<string, string>();

  constructor(users: Iterable<DirectoryUser>) {
    for (const user of users) this.add(user);
  }

  /** Every user, in the order they were added. */
  values(): DirectoryUser[] {
    return [...this.#byId.values()];
  }

  has(id: string): boolean {
    return this.#byId.has(id);
  }

  /** A user by id only. */
  get(id: string): DirectoryUser | undefined {
    return this.#byId.get(id);
  }

  /** A user by id, by login (case-insensitive), or by login short name when unambiguous. */
  find(idOrLogin: string): DirectoryUser | undefined {
    const byId = this.#byId.get(idOrLogin);
    if (byId) return byId;
    const key = idOrLogin.toLowerCase();
    const byLogin = this.#idByLogin.get(key);
    if (byLogin) return this.#byId.get(byLogin);
    if (key.includes('@')) return undefined;
    // Okta also accepts the login's short name (before the @) when only one user has it.
    const matches = [...this.#byId.values()].filter((u) => u.profile.login.toLowerCase().split('@')[0] === key);
    return matches.length === 1 ? matches[0] : undefined;
  }

  /**
   * @throws DirectoryError `ALREADY_EXISTS` (Okta's E0000001 on `login`) when `login` belongs to a
   * user other than `ownerId`.
   */
  requireLoginFree(login: string | undefined, ownerId?: string): void {
    const owner = login === undefined ? undefined : this.#idByLogin.get(login.toLowerCase());
    if (owner !== undefined && owner !== ownerId) {
      throw new DirectoryError('ALREADY_EXISTS', 'Api validation failed: login', {
        causes: ['login: An object with this field already exists in the current organization'],
      });
    }
  }

  /** Index a user; its login must be free (see `requireLoginFree`). */
  add(user: DirectoryUser): void {
    this.#byId.set(user.id, user);
    this.#idByLogin.set(user.profile.login.toLowerCase(), user.id);
  }

  /** Give an indexed user a new profile, moving its login in the index. */
  setProfile(user: DirectoryUser, profile: UserProfile): void {
    this.#idByLogin.delete(user.profile.login.toLowerCase());
    user.profile = profile;
    this.#idByLogin.set(user.profile.login.toLowerCase(), user.id);
  }

  remove(user: DirectoryUser): void {
    this.#byId.delete(user.id);
    this.#idByLogin.delete(user.profile.login.toLowerCase());
  }
}
