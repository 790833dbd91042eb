/**
 * The live hub: every open `GET /live` stream of this instance, fed by the session-event bus (so
 * an event raised on any instance reaches a page held open on any other) and by this instance's
 * audit log.
 *
 * What a page hears:
 * - `signed-out` `{reason}` — its session ended (revoked, user deactivated, signed out in another
 *   tab, expired); the stream ends right after.
 * - `reload` `{why}` — its user's roles changed, or events were dropped for it while it was not
 *   reading.
 * - `sessions`, `audit`, `activity` — a table or counters it shows may have new rows; the page
 *   fetches them. Coalesced: a burst of sign-ins is one refresh.
 *
 * The store stays the truth: each stream re-reads its session now and then (and when it is due
 * to expire), so a missed bus message delays the page's reaction, never lets it run on.
 */
import type { AuditEvent, AuditLog, Role, RoleTable, SessionEndReason, SessionEvent, SessionEventBus, SessionStore } from '@gatehouse/auth';
import { frame, LiveStream, type LiveTopic, type StreamIdentity } from './stream.ts';

export type { LiveTopic } from './stream.ts';

/** Limits and timings of {@link createLiveHub}; the first two come from the configuration. */
export interface LiveHubOptions {
  /** Open streams this instance holds at most; past it `open` answers 429. */
  maxStreams: number;
  /** Open streams one session holds at most (one per tab); past it `open` answers 429. */
  maxStreamsPerSession: number;
  // 25 s: under the 30-60 s idle timeouts of common proxies and load balancers (nginx: 60 s).
  heartbeatMs?: number;
  // 1 s: how often the hub looks for heartbeats, revalidations and stalls that are due (one timer for all streams).
  tickMs?: number;
  // 60 s: a missed bus message (transport outage) shows on the page within a minute at worst.
  revalidateMs?: number;
  // 500 ms: a burst of audit rows (a sign-in writes several) is one refresh, at most two a second.
  coalesceMs?: number;
  // 16 KiB: hundreds of events; beyond that a reader is not reading, and the page must reload anyway.
  bufferBytes?: number;
  // 60 s: a reader that has not read for a minute is gone or stuck; its socket is freed.
  stallMs?: number;
  now?: () => number;
  onError?: (err: unknown, step: string) => void;
}

/** Why `open` refused a stream. */
export type OpenRefusal = { ok: false; status: 429 | 503; code: 'LIVE_TOO_MANY_STREAMS' | 'LIVE_SHUTTING_DOWN'; message: string };

/** Where the page's view of events stands: from `Last-Event-ID`, or the page's render time. */
export interface LiveCursor {
  at: number;
  id: string | null;
}

/** Counts for metrics, tests and the benchmark. */
export interface LiveStats {
  streams: number;
  sessions: number;
  /** Streams whose reader is behind (buffer full). */
  backedUp: number;
  /** Bytes queued over every stream. */
  bufferedBytes: number;
}

/** This instance's live streams. */
export interface LiveHub {
  /**
   * Starts listening to the bus and reads permissions from the project's one RBAC table, the one
   * the pages' guards read (once; `assembleApp` does it after `createAuth`). Until then a stream
   * hears of no table (fail closed).
   */
  attach(auth: { events: SessionEventBus; rbac: Pick<RoleTable, 'permissionsFor'> }): void;
  /** Wraps the audit log so each recorded event refreshes the audit pages and activity counters. */
  tapAudit(log: AuditLog): AuditLog;
  /** Opens a stream for a session, or says why not. `pageRoles`: the roles the page was rendered with. */
  open(identity: Omit<StreamIdentity, 'topics'>, options?: { cursor?: LiveCursor | null; pageRoles?: Role[] | null }): { ok: true; body: ReadableStream<Uint8Array> } | OpenRefusal;
  stats(): LiveStats;
  /**
   * Where this instance's events stand now: a page whose data is read after this call has seen
   * everything up to it, so its stream replays only what comes after (`?cursor=` / `?since=`).
   */
  cursor(): string;
  /**
   * Ends every stream (browsers reconnect to another instance with `Last-Event-ID`) and refuses
   * new ones: the graceful drain calls it before closing the server, so no stream holds it open.
   */
  closeAll(): Promise<void>;
}

/**
 * Which topics a set of roles may hear about: the permission each page's region needs, read from
 * the RBAC table the pages use (an app's role may grant `audit:read` as well as a core role).
 */
export function topicsFor(rbac: Pick<RoleTable, 'permissionsFor'> | null, roles: readonly Role[]): Set<LiveTopic> {
  const permissions = rbac?.permissionsFor(roles) ?? [];
  const topics = new Set<LiveTopic>();
  if (permissions.includes('sessions:read')) topics.add('sessions');
  if (permissions.includes('audit:read')) topics.add('audit');
  if (permissions.includes('dashboards:read')) topics.add('activity');
  return topics;
}

const ALL_TOPICS: readonly LiveTopic[] = ['sessions', 'audit', 'activity'];
// 1,024 recent events: minutes of a busy org, enough to replay a reconnect after a blip.
const RING_CAPACITY = 1024;

interface RingEntry {
  at: number;
  id: string;
  topics: readonly LiveTopic[];
  /** Increasing per hub: orders events exactly within this instance. */
  seq: number;
}

const sameRoles = (a: readonly Role[], b: readonly Role[]) => a.length === b.length && [...a].sort().join() === [...b].sort().join();

/** The SSE id of an event: its time first, so any instance can place it (see `parseLastEventId`). */
export const eventId = (entry: { at: number; id: string }) => `${entry.at}-${entry.id}`;

/**
 * Creates the hub and its one timer (unref'd; `closeAll` stops it). No timer is made per stream:
 * a timer made while a request is handled keeps that request's context alive (AsyncLocalStorage),
 * which for thousands of open streams is most of their memory.
 */
export function createLiveHub(sessions: SessionStore, options: LiveHubOptions): LiveHub {
  const now = options.now ?? Date.now;
  const heartbeatMs = options.heartbeatMs ?? 25_000;
  const tickMs = options.tickMs ?? 1000;
  const revalidateMs = options.revalidateMs ?? 60_000;
  const coalesceMs = options.coalesceMs ?? 500;
  const bufferBytes = options.bufferBytes ?? 16 * 1024;
  const stallMs = options.stallMs ?? 60_000;
  const onError = options.onError ?? (() => {});

  const streams = new Set<LiveStream>();
  const bySession = new Map<string, Set<LiveStream>>();
  const bySub = new Map<string, Set<LiveStream>>();
  const ring: RingEntry[] = [];
  // Events before this moment are not in the ring: a cursor older than it cannot be replayed.
  let coverageStart = now();
  let closing = false;
  let unsubscribe: Array<() => void> = [];
  let rbac: Pick<RoleTable, 'permissionsFor'> | null = null;
  // One frozen set per combination of roles, shared by its streams: thousands of streams hold a
  // handful of sets, not one each.
  const topicSets = new Map<string, ReadonlySet<LiveTopic>>();
  const topicsOf = (roles: readonly Role[]): ReadonlySet<LiveTopic> => {
    const key = [...roles].sort().join();
    let topics = topicSets.get(key);
    if (!topics) topicSets.set(key, (topics = topicsFor(rbac, roles)));
    return topics;
  };
  let nextBeat = now() + heartbeatMs;
  let seq = 0;
  /** Topics to refresh at the next flush, with the newest event's sequence number for each. */
  const dirty = new Map<LiveTopic, number>();
  let dirtyId: string | null = null;
  let flushTimer: ReturnType<typeof setTimeout> | null = null;

  const index = (map: Map<string, Set<LiveStream>>, key: string, stream: LiveStream) => {
    let set = map.get(key);
    if (!set) map.set(key, (set = new Set()));
    set.add(stream);
  };
  const unindex = (map: Map<string, Set<LiveStream>>, key: string, stream: LiveStream) => {
    const set = map.get(key);
    set?.delete(stream);
    if (set?.size === 0) map.delete(key);
  };

  function remove(stream: LiveStream): void {
    streams.delete(stream);
    unindex(bySession, stream.identity.sessionId, stream);
    unindex(bySub, stream.identity.sub, stream);
  }

  /** Keeps the event for replays and schedules the coalesced refresh of its topics. */
  function record(event: { at: number; id: string }, topics: readonly LiveTopic[]): void {
    const entry: RingEntry = { at: event.at, id: event.id, topics, seq: ++seq };
    ring.push(entry);
    if (ring.length > RING_CAPACITY) coverageStart = ring.shift()!.at;
    for (const topic of topics) dirty.set(topic, entry.seq);
    dirtyId = eventId(entry);
    flushTimer ??= setTimeout(flush, coalesceMs);
    flushTimer.unref?.();
  }

  function flush(): void {
    flushTimer = null;
    const batch = [...dirty];
    const id = dirtyId ?? undefined;
    const newest = seq;
    dirty.clear();
    dirtyId = null;
    const at = now();
    const frames = batch.map(([topic, topicSeq]) => ({ topic, topicSeq, chunk: frame(topic, { at }, id) }));
    for (const stream of streams) {
      // A page opened after an event (its data already shows it) is not told of it again.
      for (const { topic, topicSeq, chunk } of frames) if (topicSeq > stream.seenSeq && stream.identity.topics.has(topic)) stream.send(chunk, at);
      stream.seenSeq = Math.max(stream.seenSeq, newest);
    }
  }

  function endStream(stream: LiveStream, reason: SessionEndReason | null, id?: string): void {
    stream.end(frame('signed-out', reason ? { reason } : {}, id));
  }

  function reloadStream(stream: LiveStream, why: string, id?: string): void {
    stream.send(frame('reload', { why }, id), now());
  }

  function onEvent(event: SessionEvent): void {
    const id = eventId(event);
    let topics: readonly LiveTopic[];
    switch (event.type) {
      case 'session.ended':
        for (const sessionId of event.sessionIds) for (const stream of [...(bySession.get(sessionId) ?? [])]) endStream(stream, event.reason, id);
        topics = ALL_TOPICS;
        break;
      case 'user.sessions.ended':
        for (const stream of [...(bySub.get(event.sub) ?? [])]) endStream(stream, event.reason, id);
        topics = ALL_TOPICS;
        break;
      case 'roles.changed':
        for (const stream of bySub.get(event.sub) ?? []) {
          stream.identity.roles = [...event.roles];
          stream.identity.topics = topicsOf(event.roles);
          reloadStream(stream, 'roles', id);
        }
        topics = ['sessions', 'audit'];
        break;
      case 'session.created':
        topics = ALL_TOPICS;
        break;
      default:
        return;
    }
    record(event, topics);
  }

  /** Re-reads the session: gone or expired ends the stream, new roles reload the page. */
  async function revalidate(stream: LiveStream): Promise<void> {
    if (stream.closed || stream.checking) return;
    stream.checking = true;
    let stored;
    try {
      stored = await sessions.get(stream.identity.sessionId);
    } catch (err) {
      // A store outage is not a sign-out: try again at the next round.
      onError(err, 'live-revalidate');
      schedule(stream);
      return;
    } finally {
      stream.checking = false;
    }
    if (stream.closed) return;
    const at = now();
    if (!stored || at >= stored.expiresAt || at >= stored.absoluteExpiresAt) {
      const expired = stored ? true : at >= Math.min(stream.identity.expiresAt, stream.identity.absoluteExpiresAt);
      endStream(stream, expired ? 'expired' : null);
      return;
    }
    stream.identity.expiresAt = stored.expiresAt;
    stream.identity.absoluteExpiresAt = stored.absoluteExpiresAt;
    if (!sameRoles(stored.roles, stream.identity.roles)) {
      stream.identity.roles = [...stored.roles];
      stream.identity.topics = topicsOf(stored.roles);
      reloadStream(stream, 'roles');
    }
    schedule(stream);
  }

  function schedule(stream: LiveStream): void {
    if (stream.closed) return;
    // Jittered, so thousands of streams opened together do not read the store together.
    const round = revalidateMs * (0.75 + Math.random() * 0.5);
    const untilExpiry = Math.min(stream.identity.expiresAt, stream.identity.absoluteExpiresAt) - now();
    stream.checkAt = now() + Math.max(0, Math.min(round, untilExpiry));
  }

  /**
   * The transport reconnected: events may have been lost meanwhile. Every page refreshes what it
   * shows, every stream re-reads its session (spread over a few seconds), and no cursor from
   * before now counts as replayable.
   */
  function onReconnect(): void {
    const at = now();
    coverageStart = at;
    ring.length = 0;
    record({ at, id: crypto.randomUUID() }, ALL_TOPICS);
    // 5 s: thousands of streams re-read the store over seconds, not in one burst.
    for (const stream of streams) stream.checkAt = at + Math.random() * 5000;
  }

  /** The one timer: stalled readers cut off, revalidations that are due, heartbeats. */
  function tick(): void {
    const at = now();
    const beat = at >= nextBeat;
    if (beat) nextBeat = at + heartbeatMs;
    for (const stream of [...streams]) {
      if (stream.backedUpSince !== null && at - stream.backedUpSince >= stallMs) {
        stream.abort('reader stalled');
        continue;
      }
      if (at >= stream.checkAt) void revalidate(stream);
      if (beat) stream.heartbeat(at);
    }
  }
  const ticker = setInterval(tick, tickMs);
  ticker.unref?.();

  /**
   * Topics with events after `cursor`: by position when the cursor's event is in this instance's
   * ring (exact), else by time (a cursor from another instance, or a page's `since`); everything
   * when the cursor is older than the ring.
   */
  function replayTopics(stream: LiveStream, cursor: LiveCursor): LiveTopic[] {
    const position = cursor.id === null ? -1 : ring.findIndex((entry) => entry.id === cursor.id);
    if (position < 0 && cursor.at < coverageStart) return [...stream.identity.topics];
    const after = position >= 0 ? ring.slice(position + 1) : ring.filter((entry) => (cursor.id === null ? entry.at >= cursor.at : entry.at > cursor.at));
    const topics = new Set<LiveTopic>();
    for (const entry of after) for (const topic of entry.topics) if (stream.identity.topics.has(topic)) topics.add(topic);
    return [...topics];
  }

  return {
    attach(auth) {
      if (unsubscribe.length > 0) return;
      rbac = auth.rbac;
      topicSets.clear();
      unsubscribe = [auth.events.subscribe(onEvent), auth.events.onReconnect(onReconnect)];
    },

    tapAudit(log) {
      const recordAudit: AuditLog['record'] = async (event: AuditEvent) => {
        await log.record(event);
        const topics: LiveTopic[] = event.type === 'signin.succeeded' || event.type === 'signin.failed' ? ['audit', 'activity'] : ['audit'];
        record({ at: now(), id: crypto.randomUUID() }, topics);
      };
      // A proxy rather than a copy: methods added to AuditLog later keep working through it.
      return new Proxy(log, {
        get(target, property) {
          if (property === 'record') return recordAudit;
          const value: unknown = Reflect.get(target, property, target);
          return typeof value === 'function' ? value.bind(target) : value;
        },
      });
    },

    open(identity, openOptions = {}) {
      if (closing) return { ok: false, status: 503, code: 'LIVE_SHUTTING_DOWN', message: 'This instance is shutting down; reconnect to another.' };
      if (streams.size >= options.maxStreams) return { ok: false, status: 429, code: 'LIVE_TOO_MANY_STREAMS', message: 'This instance holds as many live streams as it may.' };
      if ((bySession.get(identity.sessionId)?.size ?? 0) >= options.maxStreamsPerSession) {
        return { ok: false, status: 429, code: 'LIVE_TOO_MANY_STREAMS', message: `At most ${options.maxStreamsPerSession} pages of one session receive live updates at once.` };
      }
      const stream = new LiveStream({ ...identity, roles: [...identity.roles], topics: topicsOf(identity.roles) }, bufferBytes, remove);
      streams.add(stream);
      index(bySession, identity.sessionId, stream);
      index(bySub, identity.sub, stream);
      const at = now();
      // The reconnection delay a browser waits after the stream ends (drain, restart): 3 s.
      stream.send(new TextEncoder().encode('retry: 3000\n\n'), at);
      if (openOptions.pageRoles && !sameRoles(openOptions.pageRoles, identity.roles)) {
        reloadStream(stream, 'roles');
      } else if (openOptions.cursor) {
        const last = ring.at(-1);
        for (const topic of replayTopics(stream, openOptions.cursor)) stream.send(frame(topic, { at }, last ? eventId(last) : undefined), at);
      }
      // Replayed (or the page was rendered after it): not sent again by the next flush.
      stream.seenSeq = seq;
      schedule(stream);
      return { ok: true, body: stream.body };
    },

    cursor() {
      const last = ring.at(-1);
      return last ? eventId(last) : String(now());
    },

    stats() {
      let backedUp = 0;
      let bufferedBytes = 0;
      for (const stream of streams) {
        if (stream.full) backedUp++;
        bufferedBytes += stream.buffered;
      }
      return { streams: streams.size, sessions: bySession.size, backedUp, bufferedBytes };
    },

    async closeAll() {
      closing = true;
      for (const stop of unsubscribe) stop();
      unsubscribe = [];
      if (flushTimer) clearTimeout(flushTimer);
      flushTimer = null;
      for (const stream of [...streams]) stream.end();
      clearInterval(ticker);
    },
  };
}
