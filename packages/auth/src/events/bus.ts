/**
 * The session-event bus: revocations, role changes and new sessions, published once and seen by
 * every instance sharing the stores. The store stays the truth — a missed message never re-grants
 * access, because the next store read decides — and the bus makes changes immediate: in-process
 * caches drop entries, open pages (`GET /live`) follow, admin tables update.
 *
 * This module is Web-only (no Node imports): the in-process bus lives here; transports that cross
 * instances (Redis pub/sub, PostgreSQL LISTEN/NOTIFY) live beside the stores and wrap
 * {@link createLocalBus} for local delivery.
 */
import type { Role } from '../types.ts';

/** Why sessions ended; shown to the user on the "you were signed out" page and in the audit log. */
export type SessionEndReason =
  /** The user signed out (in this tab or another). */
  | 'signed_out'
  /** An admin revoked the session (or all of the user's sessions) in the admin panel. */
  | 'revoked_by_admin'
  /** The user was deactivated, suspended or deleted (in Okta or in the admin panel). */
  | 'user_deactivated'
  /** Okta ended the user's sessions (Event Hook `user.session.*`, Universal Logout, back-channel logout). */
  | 'idp_logout'
  /** The IdP refused the refresh token, or revalidation failed closed. */
  | 'refresh_refused'
  /** Idle or absolute expiry. */
  | 'expired'
  /** A password change or factor reset that policy treats as ending sessions. */
  | 'credentials_changed'
  /** The user was unassigned from the app. */
  | 'app_unassigned';

/** Fields every event carries. */
interface EventBase {
  /** Unique per event (`crypto.randomUUID()`); receivers deduplicate on it. */
  id: string;
  /** Epoch ms when it was published. */
  at: number;
  /** Instance that published it (see {@link SessionEventBus.instanceId}). */
  origin: string;
}

/** What can happen to sessions. Never carries a token, secret or cookie. */
export type SessionEventInput =
  /** These sessions ended (by id). */
  | { type: 'session.ended'; sub: string; sessionIds: string[]; reason: SessionEndReason }
  /** Every session of `sub` ended. */
  | { type: 'user.sessions.ended'; sub: string; reason: SessionEndReason }
  /** `sub`'s roles are now `roles` (already written to each of their sessions in the store). */
  | { type: 'roles.changed'; sub: string; roles: Role[] }
  /** A new session started (admin pages show it live). */
  | { type: 'session.created'; sub: string; sessionId: string };

/** A published event, as every subscriber sees it. */
export type SessionEvent = SessionEventInput & EventBase;

/** Called for every event, on the instance that published it and on every other. Must not throw. */
export type SessionEventListener = (event: SessionEvent) => void;

/**
 * Publishes session events to every instance.
 * Implementations: {@link createLocalBus} (one process: SQLite, memory), Redis pub/sub, PostgreSQL
 * LISTEN/NOTIFY.
 */
export interface SessionEventBus {
  /** Random per process; events this instance published come back from the transport with it and are not delivered twice. */
  readonly instanceId: string;
  /**
   * Delivers `event` to this instance's listeners at once (before it resolves), then hands it to
   * the transport; resolves once the transport accepted it. Rejects when the transport is down
   * (local listeners have still seen it).
   */
  publish(event: SessionEventInput): Promise<SessionEvent>;
  /** Adds a listener; returns the function that removes it. */
  subscribe(listener: SessionEventListener): () => void;
  /**
   * Adds a listener called each time the transport reconnected after a drop: events published
   * meanwhile may be lost, so anything cached from earlier events must be dropped (re-read from the
   * store). Never called in process. Returns the function that removes it.
   */
  onReconnect(listener: () => void): () => void;
  /** Whether the transport is connected (readiness; always true in process). */
  healthy(): boolean;
  close(): Promise<void>;
}

/** A transport under the bus: sends serialized events and hands received ones back. */
export interface BusTransport {
  send(message: string): Promise<void>;
  /**
   * Starts receiving; `onMessage` is called for every message published by any instance, and
   * `onReconnect` each time the transport is receiving again after a dropped connection.
   */
  start(onMessage: (message: string) => void, onReconnect?: () => void): Promise<void>;
  healthy(): boolean;
  close(): Promise<void>;
}

// 4,096 event ids: enough to absorb a redelivery burst; old ids fall out first.
const SEEN_CAPACITY = 4096;

const EVENT_TYPES = new Set<SessionEvent['type']>(['session.ended', 'user.sessions.ended', 'roles.changed', 'session.created']);

/** Parses a message from a transport; `null` for anything that is not a well-formed event. */
export function parseSessionEvent(message: string): SessionEvent | null {
  let value: unknown;
  try {
    value = JSON.parse(message);
  } catch {
    return null;
  }
  if (!value || typeof value !== 'object') return null;
  const event = value as Partial<SessionEvent> & Record<string, unknown>;
  if (typeof event.id !== 'string' || typeof event.at !== 'number' || typeof event.origin !== 'string') return null;
  if (typeof event.type !== 'string' || !EVENT_TYPES.has(event.type as SessionEvent['type'])) return null;
  if (typeof event.sub !== 'string') return null;
  return event as SessionEvent;
}

/**
 * A bus over `transport` (or, without one, for this process only). Local listeners see each
 * event once: at publish time on this instance, on receipt everywhere else; duplicates (same id)
 * are dropped.
 */
export function createLocalBus(options: { transport?: BusTransport; now?: () => number; onListenerError?: (err: unknown) => void } = {}): SessionEventBus & { start(): Promise<void> } {
  const now = options.now ?? Date.now;
  const instanceId = crypto.randomUUID();
  const listeners = new Set<SessionEventListener>();
  const reconnectListeners = new Set<() => void>();
  const seen = new Set<string>();
  const transport = options.transport;

  function deliver(event: SessionEvent): void {
    if (seen.has(event.id)) return;
    seen.add(event.id);
    if (seen.size > SEEN_CAPACITY) seen.delete(seen.values().next().value as string);
    for (const listener of listeners) {
      try {
        listener(event);
      } catch (err) {
        options.onListenerError?.(err);
      }
    }
  }

  return {
    instanceId,
    async start() {
      await transport?.start((message) => {
        const event = parseSessionEvent(message);
        if (event && event.origin !== instanceId) deliver(event);
      }, () => {
        for (const listener of reconnectListeners) {
          try {
            listener();
          } catch (err) {
            options.onListenerError?.(err);
          }
        }
      });
    },
    async publish(input) {
      const event = { ...input, id: crypto.randomUUID(), at: now(), origin: instanceId } as SessionEvent;
      deliver(event);
      await transport?.send(JSON.stringify(event));
      return event;
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
    onReconnect(listener) {
      reconnectListeners.add(listener);
      return () => {
        reconnectListeners.delete(listener);
      };
    },
    healthy: () => transport?.healthy() ?? true,
    async close() {
      listeners.clear();
      reconnectListeners.clear();
      await transport?.close();
    },
  };
}
