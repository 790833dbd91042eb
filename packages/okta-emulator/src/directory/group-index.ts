import { DirectoryError } from './errors.ts';
import { oktaId } from './ids.ts';
import type { DirectoryGroup } from './types.ts';

/**
 * The directory's groups and who is in them. Holds the directory's own group objects, not copies
 * (the directory copies what it hands out); members are user ids.
 */
export class GroupIndex {
  readonly #groups = new Map<string, DirectoryGroup>();
  readonly #members = new Map<string, Set<string>>();

  /** `isUser` drops memberships of users that no longer exist. */
  constructor(groups: Iterable<DirectoryGroup>, memberships: Iterable<{ groupId: string; userId: string }>, isUser: (id: string) => boolean) {
    for (const group of groups) this.add(group);
    for (const { groupId, userId } of memberships) {
      if (isUser(userId)) this.#members.get(groupId)?.add(userId);
    }
  }

  get(id: string): DirectoryGroup | undefined {
    return this.#groups.get(id);
  }

  /** Every group, ordered by id. */
  sorted(): DirectoryGroup[] {
    return [...this.#groups.values()].sort(byId);
  }

  /** Every group, in the order added (as persisted). */
  values(): DirectoryGroup[] {
    return [...this.#groups.values()];
  }

  /** Throws Okta's `ALREADY_EXISTS` when a group is named `name` (case-insensitive). */
  requireNameFree(name: string): void {
    if (this.values().some((g) => g.profile.name.toLowerCase() === name.toLowerCase())) {
      throw new DirectoryError('ALREADY_EXISTS', 'Api validation failed: name', {
        causes: ['name: An object with this field already exists in the current organization'],
      });
    }
  }

  add(group: DirectoryGroup): void {
    this.#groups.set(group.id, group);
    this.#members.set(group.id, new Set());
  }

  /** Removes the group and its memberships. */
  remove(id: string): void {
    this.#groups.delete(id);
    this.#members.delete(id);
  }

  /** The user ids in a group (empty for an unknown one). */
  memberIds(groupId: string): ReadonlySet<string> {
    return this.#members.get(groupId) ?? new Set<string>();
  }

  isMember(groupId: string, userId: string): boolean {
    return this.#members.get(groupId)?.has(userId) ?? false;
  }

  /** Adds a member; false when already one (or no such group). */
  addMember(groupId: string, userId: string): boolean {
    const members = this.#members.get(groupId);
    if (!members || members.has(userId)) return false;
    members.add(userId);
    return true;
  }

  /** Removes a member; false when not one. */
  removeMember(groupId: string, userId: string): boolean {
    return this.#members.get(groupId)?.delete(userId) ?? false;
  }

  /** Removes a user from every group (the user is deleted). */
  removeUser(userId: string): void {
    for (const members of this.#members.values()) members.delete(userId);
  }

  /** The groups `userId` is in, ordered by id. */
  groupsOf(userId: string): DirectoryGroup[] {
    return this.sorted().filter((group) => this.isMember(group.id, userId));
  }

  /** Every membership, as persisted. */
  memberships(): Array<{ groupId: string; userId: string }> {
    return [...this.#members].flatMap(([groupId, users]) => [...users].map((userId) => ({ groupId, userId })));
  }
}

/** A new OKTA_GROUP record. */
export function newGroup(input: { name: string; description?: string | null }): DirectoryGroup {
  const now = new Date().toISOString();
  return {
    id: oktaId('00g'),
    created: now,
    lastUpdated: now,
    lastMembershipUpdated: now,
    type: 'OKTA_GROUP',
    profile: { name: input.name, description: input.description ?? null },
  };
}

function byId(a: { id: string }, b: { id: string }): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}
