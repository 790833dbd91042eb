import { DirectoryError } from './errors.ts';
import { oktaId } from './ids.ts';
import type { EventHook } from './types.ts';

/** What registering a hook needs. */
export type CreateEventHookInput = Pick<EventHook, 'name' | 'events' | 'url' | 'authScheme' | 'headers'>;

/**
 * The directory's registered Event Hooks. Lives inside the directory's persisted state;
 * `save` writes that state after every change. Getters return copies.
 */
export class EventHookRegistry {
  readonly #hooks: EventHook[];
  readonly #save: () => void;

  constructor(hooks: EventHook[], save: () => void) {
    this.#hooks = hooks;
    this.#save = save;
  }

  list(): EventHook[] {
    return structuredClone(this.#hooks);
  }

  get(id: string): EventHook | null {
    const hook = this.#hooks.find((h) => h.id === id);
    return hook ? structuredClone(hook) : null;
  }

  /** Register a hook: ACTIVE and UNVERIFIED until its verification succeeds, as in Okta. */
  create(input: CreateEventHookInput): EventHook {
    const now = new Date().toISOString();
    const hook: EventHook = { ...structuredClone(input), id: oktaId('who'), status: 'ACTIVE', verificationStatus: 'UNVERIFIED', created: now, lastUpdated: now };
    this.#hooks.push(hook);
    this.#save();
    return structuredClone(hook);
  }

  /** Change a hook's status or verification. */
  update(id: string, change: Partial<Pick<EventHook, 'status' | 'verificationStatus'>>): EventHook {
    const hook = this.#require(id);
    Object.assign(hook, change, { lastUpdated: new Date().toISOString() });
    this.#save();
    return structuredClone(hook);
  }

  /**
   * Replace a hook's name, events, URL and headers. A new URL must be verified again, as in Okta:
   * the verification proved ownership of the old endpoint only.
   */
  replace(id: string, input: CreateEventHookInput): EventHook {
    const hook = this.#require(id);
    const verificationStatus = input.url === hook.url ? hook.verificationStatus : 'UNVERIFIED';
    Object.assign(hook, structuredClone(input), { verificationStatus, lastUpdated: new Date().toISOString() });
    this.#save();
    return structuredClone(hook);
  }

  /** Delete a hook (Okta only deletes INACTIVE hooks; the Management API enforces that). */
  delete(id: string): void {
    this.#hooks.splice(this.#hooks.indexOf(this.#require(id)), 1);
    this.#save();
  }

  #require(id: string): EventHook {
    const hook = this.#hooks.find((h) => h.id === id);
    if (!hook) throw new DirectoryError('NOT_FOUND', `Not found: Resource not found: ${id} (EventHook)`);
    return hook;
  }
}
