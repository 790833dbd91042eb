/**
 * The validated-session cache: the last store reads of active sessions, in process, so most
 * requests of a signed-in user cost no store read. It holds what the store said, never a decision:
 * the manager still checks the secret, the idle and absolute expiry, and moves the sliding expiry
 * (from a fresh store read) on every request that needs it.
 *
 * Coherence with the other instances comes from the session-event bus (decision 006); the
 * guarantee is written down in docs/decisions/010-the-request-path-profiled.md:
 * - an entry is dropped when this instance is told its session ended or its user's sessions ended
 *   or were re-roled (`session.ended`, `user.sessions.ended`, `roles.changed`), and when this
 *   instance writes the session itself;
 * - a store read that was under way while such a change arrived is not cached (a generation
 *   counter), so a change can never be overwritten by the read it overtook;
 * - nothing is served while the bus is not connected, and everything is dropped when it
 *   reconnects (events sent meanwhile are lost);
 * - every entry is at most `maxAgeMs` old, counted from the start of the store read it holds: the
 *   bound on what a delayed or lost event can cost, and what a revocation whose publish failed
 *   waits out before it returns.
 *
 * Web-only (no Node imports), like the rest of the core.
 */
import { LRUCache } from 'lru-cache';
import type { SessionEvent, SessionEventBus } from '../events/bus.ts';
import type { SessionRecord } from '../types.ts';

/**
 * 2 s: the longest a cached read is used. It bounds how long an event the bus delayed or lost can
 * keep a changed session served by another instance, and how long a revocation waits when its
 * publish fails; a page view and the requests it makes (assets, the live stream) fit in it.
 */
export const SESSION_CACHE_MAX_AGE_MS = 2000;
/**
 * 2,000 sessions: those active within any two seconds on one instance (1,000 distinct users a
 * second). A record with its sealed tokens is ~3 KB, so the cache stays under ~6 MB.
 */
export const SESSION_CACHE_MAX_ENTRIES = 2000;

/** Options of {@link createSessionCache}. */
export interface SessionCacheOptions {
  maxEntries?: number;
  maxAgeMs?: number;
  /** A monotonic clock in ms (default `performance.now`); tests move it. */
  clock?: () => number;
}

interface Entry {
  session: SessionRecord;
  /** {@link SessionCacheOptions.clock} when the store read that returned `session` began. */
  readAt: number;
}

/** What the manager asks of the cache. */
export interface SessionCache {
  readonly maxAgeMs: number;
  /** The cached record of `id`, or `undefined` (absent, too old, or the bus is down). */
  get(id: string): SessionRecord | undefined;
  /** Call before a store read whose result may be cached; hand the ticket to {@link remember}. */
  ticket(): ReadTicket;
  /** Caches what a read returned, unless something changed since its ticket was taken. */
  remember(session: SessionRecord, ticket: ReadTicket): void;
  /** This instance changed or ended `id` in the store (after the write). */
  forget(id: string): void;
  /** This instance changed or ended every session of `sub` (after the write). */
  forgetUser(sub: string): void;
  readonly size: number;
  /** Stops listening to the bus. */
  close(): void;
}

/** When a read began, and the generation it may be cached under. */
export interface ReadTicket {
  readAt: number;
  generation: number;
}

/** Creates the cache, listening to `events` (when given) for changes made by any instance. */
export function createSessionCache(events: SessionEventBus | null, options: SessionCacheOptions = {}): SessionCache {
  const maxAgeMs = options.maxAgeMs ?? SESSION_CACHE_MAX_AGE_MS;
  const clock = options.clock ?? (() => performance.now());
  const entries = new LRUCache<string, Entry>({ max: options.maxEntries ?? SESSION_CACHE_MAX_ENTRIES });
  // Bumped by every change; a read that began before the last change is not cached.
  let generation = 0;
  let connected = events?.healthy() ?? true;

  const dropAll = () => {
    generation++;
    entries.clear();
  };
  const forget = (id: string) => {
    generation++;
    entries.delete(id);
  };
  const forgetUser = (sub: string) => {
    generation++;
    // Events are rare and the cache small: a scan is cheaper than an index kept on every insert.
    for (const [id, entry] of entries.entries()) if (entry.session.user.sub === sub) entries.delete(id);
  };
  const onEvent = (event: SessionEvent) => {
    if (event.type === 'session.ended') {
      generation++;
      for (const id of event.sessionIds) entries.delete(id);
    } else if (event.type === 'user.sessions.ended' || event.type === 'roles.changed') forgetUser(event.sub);
  };
  const unsubscribe = events?.subscribe(onEvent);
  // Events sent while the connection was down are lost: nothing cached before may be kept.
  const stopReconnect = events?.onReconnect(dropAll);

  /** Whether entries may be served and stored now: only while the bus can tell us about changes. */
  const usable = () => {
    if (!events) return true;
    const healthy = events.healthy();
    if (!healthy && connected) dropAll();
    connected = healthy;
    return healthy;
  };

  return {
    maxAgeMs,
    get(id) {
      if (!usable()) return undefined;
      const entry = entries.get(id);
      if (!entry) return undefined;
      if (clock() - entry.readAt >= maxAgeMs) {
        entries.delete(id);
        return undefined;
      }
      return entry.session;
    },
    ticket: () => ({ readAt: clock(), generation }),
    remember(session, ticket) {
      if (ticket.generation !== generation || !usable() || clock() - ticket.readAt >= maxAgeMs) return;
      entries.set(session.id, { session, readAt: ticket.readAt });
    },
    forget,
    forgetUser,
    get size() {
      return entries.size;
    },
    close() {
      unsubscribe?.();
      stopReconnect?.();
      entries.clear();
    },
  };
}
