import { EventEmitter } from 'node:events';
import { DirectoryError } from './errors.ts';
import {
  DIRECTORY_EVENT_MESSAGES,
  SYSTEM_ACTOR,
  groupTarget,
  userTarget,
  type DirectoryEventType,
  type EventActor,
  type EventTarget,
} from './events.ts';
import { EventHookRegistry } from './event-hook-registry.ts';
import { stateFromSeed } from './from-seed.ts';
import { lifecycleTransition, NOT_ALLOWED_IN_STATUS_MESSAGE, type LifecycleOperation } from './lifecycle.ts';
import { checkPassword, findByTokenHash, hashPassword } from './password.ts';
import { parseSeed } from './seed.ts';
import { readState, writeState, type DirectoryState } from './store.ts';
import { GroupIndex, newGroup } from './group-index.ts';
import { newUser, UserIndex, type CreateUserInput } from './user-index.ts';
import type { ApiToken, AuthorizationServerSettings, DirectoryEvent, DirectoryGroup, DirectorySeed, DirectoryUser, OidcApp, UserProfile } from './types.ts';

export type { CreateUserInput } from './user-index.ts';

/** A user's assignment to an app: individually (`USER`) or through an assigned group (`GROUP`). */
export interface AppAssignment {
  user: DirectoryUser;
  scope: 'USER' | 'GROUP';
  group: DirectoryGroup | null;
}

/**
 * 10 wrong passwords or codes in a row lock the account: Okta's default password policy.
 * @see https://support.okta.com/help/s/article/When-does-the-MFA-Lockout-Counter-reset
 */
export const LOCKOUT_THRESHOLD = 10;

/**
 * The emulated org's directory, in memory and persisted to `<dataDir>/directory.json` after
 * every change. Emits `'event'` with a {@link DirectoryEvent} for every change, which Event
 * Hooks deliver. Getters return copies: change the directory only through its methods.
 * @see https://developer.okta.com/docs/reference/api/users/
 */
export class Directory extends EventEmitter<{ event: [DirectoryEvent] }> {
  /** Registered Event Hooks (persisted with the directory). */
  readonly eventHooks: EventHookRegistry;
  readonly #dataDir: string;
  readonly #state: DirectoryState;
  readonly #users: UserIndex;
  readonly #groups: GroupIndex;
  // Wrong passwords or codes in a row, per user id; in memory (a restart forgives, a lock stays).
  readonly #failedAttempts = new Map<string, number>();
  #closed = false;

  private constructor(dataDir: string, state: DirectoryState) {
    super();
    this.#dataDir = dataDir;
    this.#state = state;
    this.eventHooks = new EventHookRegistry(state.eventHooks, () => this.#save());
    this.#users = new UserIndex(state.users);
    this.#groups = new GroupIndex(state.groups, state.memberships, (id) => this.#users.has(id));
  }

  /**
   * Load `<dataDir>/directory.json`, or build it from `seed` and write it when absent.
   * @throws DirectoryError `DATA_CORRUPT` for an unreadable file (never reseeds over it),
   * `SEED_INVALID` for a bad seed.
   */
  static open(options: { dataDir: string; seed: DirectorySeed }): Directory {
    const existing = readState(options.dataDir);
    if (existing) return new Directory(options.dataDir, existing);
    const state = stateFromSeed(parseSeed(options.seed));
    writeState(options.dataDir, state);
    return new Directory(options.dataDir, state);
  }

  /** Okta org id (`00o…`). */
  get orgId(): string {
    return this.#state.orgId;
  }

  get authorizationServer(): AuthorizationServerSettings {
    return structuredClone(this.#state.authorizationServer);
  }

  /** Management API budget, requests per minute per token or client. */
  get rateLimitPerMinute(): number {
    return this.#state.rateLimitPerMinute;
  }

  // ---- users ----

  /** A user by id, by login (case-insensitive), or by login short name when unambiguous. */
  getUser(idOrLogin: string): DirectoryUser | null {
    const user = this.#users.find(idOrLogin);
    return user ? structuredClone(user) : null;
  }

  /** Every user, ordered by id (the order cursor pagination walks). */
  listUsers(): DirectoryUser[] {
    return this.#users.values().sort(byId).map((u) => structuredClone(u));
  }

  /** Check a password in constant time; false for users without one. */
  verifyPassword(user: DirectoryUser, password: string): boolean {
    return checkPassword(this.#users.get(user.id)?.passwordHash ?? null, password);
  }

  /** Note a successful sign-in (`lastLogin`); the failed attempts start again from zero. */
  recordLogin(userId: string): void {
    const user = this.#requireUser(userId);
    this.#failedAttempts.delete(user.id);
    user.lastLogin = new Date().toISOString();
    this.#save();
  }

  /**
   * Create a user; `ALREADY_EXISTS` when the login is taken.
   * @see https://developer.okta.com/docs/reference/api/users/#create-user
   */
  createUser(input: CreateUserInput, actor: EventActor = SYSTEM_ACTOR): DirectoryUser {
    this.#users.requireLoginFree(input.profile.login);
    const groups = (input.groupIds ?? []).map((id) => this.#requireGroup(id));
    const user = newUser(input);
    this.#users.add(user);
    for (const group of groups) this.#groups.addMember(group.id, user.id);
    this.#save();
    this.#emit('user.lifecycle.create', actor, [userTarget(user)]);
    if (input.activate) this.#emit('user.lifecycle.activate', actor, [userTarget(user)]);
    for (const group of groups) this.#emit('group.user_membership.add', actor, [userTarget(user), groupTarget(group)]);
    return structuredClone(user);
  }

  /**
   * Update a profile: `merge` (Okta's POST, partial) or `replace` (PUT, whole profile); an
   * optional new password. Refused for DEPROVISIONED users, as Okta does (E0000038).
   * @see https://developer.okta.com/docs/reference/api/users/#update-user
   */
  updateUser(
    id: string,
    change: { profile?: Partial<UserProfile>; password?: string | null },
    mode: 'merge' | 'replace',
    actor: EventActor = SYSTEM_ACTOR,
  ): DirectoryUser {
    const user = this.#requireUser(id);
    if (user.status === 'DEPROVISIONED') {
      throw new DirectoryError('NOT_ALLOWED_IN_STATUS', NOT_ALLOWED_IN_STATUS_MESSAGE);
    }
    const profile = (mode === 'replace' ? { ...change.profile } : { ...user.profile, ...change.profile }) as UserProfile;
    this.#users.requireLoginFree(profile.login, user.id);
    const now = new Date().toISOString();
    this.#users.setProfile(user, profile);
    if (change.password) {
      user.passwordHash = hashPassword(change.password);
      user.passwordChanged = now;
    }
    user.lastUpdated = now;
    this.#save();
    this.#emit('user.account.update_profile', actor, [userTarget(user)]);
    if (change.password) this.#emit('user.account.update_password', actor, [userTarget(user)]);
    return structuredClone(user);
  }

  /** Okta's activate: STAGED or DEPROVISIONED → ACTIVE (PROVISIONED without a password). */
  activateUser(id: string, actor: EventActor = SYSTEM_ACTOR): DirectoryUser {
    return this.#lifecycle(id, 'activate', actor);
  }

  /** Okta's deactivate: any status but DEPROVISIONED → DEPROVISIONED; memberships are kept. */
  deactivateUser(id: string, actor: EventActor = SYSTEM_ACTOR): DirectoryUser {
    return this.#lifecycle(id, 'deactivate', actor);
  }

  /** Okta's suspend: ACTIVE → SUSPENDED. */
  suspendUser(id: string, actor: EventActor = SYSTEM_ACTOR): DirectoryUser {
    return this.#lifecycle(id, 'suspend', actor);
  }

  /** Okta's unlock: LOCKED_OUT → ACTIVE, and the failed attempts start again from zero. */
  unlockUser(id: string, actor: EventActor = SYSTEM_ACTOR): DirectoryUser {
    const unlocked = this.#lifecycle(id, 'unlock', actor);
    this.#failedAttempts.delete(unlocked.id);
    return unlocked;
  }

  /**
   * Notes a wrong password or code for an ACTIVE user; the {@link LOCKOUT_THRESHOLD}th in a row
   * locks the account (LOCKED_OUT) as Okta's default password policy does. Returns whether it is now locked.
   */
  recordFailedSignIn(userId: string): boolean {
    const user = this.#requireUser(userId);
    if (user.status !== 'ACTIVE') return user.status === 'LOCKED_OUT';
    const failures = (this.#failedAttempts.get(user.id) ?? 0) + 1;
    if (failures < LOCKOUT_THRESHOLD) {
      this.#failedAttempts.set(user.id, failures);
      return false;
    }
    this.#failedAttempts.delete(user.id);
    const now = new Date().toISOString();
    user.status = 'LOCKED_OUT';
    user.statusChanged = now;
    user.lastUpdated = now;
    this.#save();
    this.#emit('user.account.lock', SYSTEM_ACTOR, [userTarget(user)]);
    return true;
  }

  /** Okta's unsuspend: SUSPENDED → ACTIVE. */
  unsuspendUser(id: string, actor: EventActor = SYSTEM_ACTOR): DirectoryUser {
    return this.#lifecycle(id, 'unsuspend', actor);
  }

  /**
   * Okta's delete: a user not yet DEPROVISIONED is deactivated (`'deactivated'`); a
   * DEPROVISIONED one is removed for good with its memberships (`'deleted'`).
   * @see https://developer.okta.com/docs/reference/api/users/#delete-user
   */
  deleteUser(id: string, actor: EventActor = SYSTEM_ACTOR): 'deactivated' | 'deleted' {
    const user = this.#requireUser(id);
    if (user.status !== 'DEPROVISIONED') {
      this.deactivateUser(user.id, actor);
      return 'deactivated';
    }
    this.#users.remove(user);
    this.#groups.removeUser(user.id);
    this.#save();
    this.#emit('user.lifecycle.delete.initiated', actor, [userTarget(user)]);
    return 'deleted';
  }

  /** The groups a user belongs to, ordered by id. */
  groupsOfUser(userId: string): DirectoryGroup[] {
    const user = this.#requireUser(userId);
    return this.#groups.groupsOf(user.id).map((g) => structuredClone(g));
  }

  // ---- groups ----

  getGroup(id: string): DirectoryGroup | null {
    const group = this.#groups.get(id);
    return group ? structuredClone(group) : null;
  }

  /** Every group, ordered by id. */
  listGroups(): DirectoryGroup[] {
    return this.#groups.sorted().map((g) => structuredClone(g));
  }

  /** Create an OKTA_GROUP; `ALREADY_EXISTS` when the name is taken. */
  createGroup(input: { name: string; description?: string | null }, actor: EventActor = SYSTEM_ACTOR): DirectoryGroup {
    this.#groups.requireNameFree(input.name);
    const group = newGroup(input);
    this.#groups.add(group);
    this.#save();
    this.#emit('group.lifecycle.create', actor, [groupTarget(group)]);
    return structuredClone(group);
  }

  /** Delete a group and its memberships. */
  deleteGroup(id: string, actor: EventActor = SYSTEM_ACTOR): void {
    const group = this.#requireGroup(id);
    if (group.type === 'BUILT_IN') {
      throw new DirectoryError('NOT_ALLOWED_IN_STATUS', 'Operation failed because the group is a built-in group.');
    }
    this.#groups.remove(group.id);
    this.#save();
    this.#emit('group.lifecycle.delete', actor, [groupTarget(group)]);
  }

  /** A group's members, ordered by id. */
  usersInGroup(groupId: string): DirectoryUser[] {
    const members = this.#groups.memberIds(this.#requireGroup(groupId).id);
    return [...members].map((id) => this.#users.get(id)).filter((u) => u !== undefined).sort(byId).map((u) => structuredClone(u));
  }

  /** Add a member; idempotent (no event when already a member), as Okta's PUT is. */
  addUserToGroup(groupId: string, userId: string, actor: EventActor = SYSTEM_ACTOR): void {
    const group = this.#requireGroup(groupId);
    const user = this.#requireUser(userId);
    if (!this.#groups.addMember(group.id, user.id)) return;
    group.lastMembershipUpdated = new Date().toISOString();
    this.#save();
    this.#emit('group.user_membership.add', actor, [userTarget(user), groupTarget(group)]);
  }

  /** Remove a member; idempotent. */
  removeUserFromGroup(groupId: string, userId: string, actor: EventActor = SYSTEM_ACTOR): void {
    const group = this.#requireGroup(groupId);
    const user = this.#requireUser(userId);
    if (!this.#groups.removeMember(group.id, user.id)) return;
    group.lastMembershipUpdated = new Date().toISOString();
    this.#save();
    this.#emit('group.user_membership.remove', actor, [userTarget(user), groupTarget(group)]);
  }

  // ---- apps and API tokens ----

  getApp(clientId: string): OidcApp | null {
    const app = this.#state.apps.find((a) => a.clientId === clientId);
    return app ? structuredClone(app) : null;
  }

  /**
   * The users assigned to an app, as Okta counts them: individually (`USER`), or as members of a
   * group assigned to it (`GROUP`, naming the first such group by id); an individual assignment
   * wins. Ordered by user id; empty for an unknown app.
   */
  appAssignments(clientId: string): AppAssignment[] {
    const app = this.#state.apps.find((a) => a.clientId === clientId);
    if (!app) return [];
    const groups = this.#groups.sorted().filter((group) => app.assignedGroupIds?.includes(group.id) ?? true);
    const assignments: AppAssignment[] = [];
    for (const user of this.#users.values().sort(byId)) {
      if (app.assignedUserIds?.includes(user.id)) {
        assignments.push({ user: structuredClone(user), scope: 'USER', group: null });
        continue;
      }
      const group = groups.find((candidate) => this.#groups.isMember(candidate.id, user.id));
      if (group) assignments.push({ user: structuredClone(user), scope: 'GROUP', group: structuredClone(group) });
    }
    return assignments;
  }

  listApps(): OidcApp[] {
    return structuredClone(this.#state.apps);
  }

  /** The API token whose value is `token` (compared by hash, constant time), or null. */
  findApiToken(token: string): ApiToken | null {
    const found = findByTokenHash(this.#state.apiTokens, token);
    return found ? structuredClone(found) : null;
  }

  // ---- events ----

  /** Announce an event the directory did not cause itself (the OP's `user.session.start/end`). */
  announce(event: Omit<DirectoryEvent, 'published'>): void {
    if (this.#closed) return;
    this.emit('event', { ...structuredClone(event), published: new Date().toISOString() });
  }

  /** Stop announcing; listeners are removed. Writes are synchronous, so nothing is pending. */
  close(): void {
    this.#closed = true;
    this.removeAllListeners();
  }

  #emit(eventType: DirectoryEventType, actor: EventActor, target: EventTarget[]): void {
    this.announce({ eventType, displayMessage: DIRECTORY_EVENT_MESSAGES[eventType], actor, target, outcome: { result: 'SUCCESS' } });
  }

  #lifecycle(id: string, operation: LifecycleOperation, actor: EventActor): DirectoryUser {
    const user = this.#requireUser(id);
    const { status, eventType } = lifecycleTransition(user, operation);
    const now = new Date().toISOString();
    if (operation === 'activate') user.activated = now;
    user.status = status;
    user.statusChanged = now;
    user.lastUpdated = now;
    this.#save();
    this.#emit(eventType, actor, [userTarget(user)]);
    return structuredClone(user);
  }

  #requireUser(idOrLogin: string): DirectoryUser {
    const user = this.#users.find(idOrLogin);
    if (!user) throw notFound('User', idOrLogin);
    return user;
  }

  #requireGroup(id: string): DirectoryGroup {
    const group = this.#groups.get(id);
    if (!group) throw notFound('UserGroup', id);
    return group;
  }

  #save(): void {
    if (this.#closed) throw new DirectoryError('CLOSED', 'The directory is closed; the emulator is shutting down.');
    this.#state.users = this.#users.values();
    this.#state.groups = this.#groups.values();
    this.#state.memberships = this.#groups.memberships();
    writeState(this.#dataDir, this.#state);
  }
}

function byId(a: { id: string }, b: { id: string }): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

function notFound(kind: string, id: string): DirectoryError {
  // Okta's wording; the id is echoed only as Okta does, and ids are not secrets.
  return new DirectoryError('NOT_FOUND', `Not found: Resource not found: ${id} (${kind})`);
}
