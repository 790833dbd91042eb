/**
 * Counters for limiting abuse of the sign-in endpoints, in process or shared by every instance
 * through Redis: fixed-window hit counts per key, and the set of pending login transactions
 * (`state` values) per client with bounded size, the oldest evicted first.
 */
import type { Redis } from 'ioredis';
import { RedisSessionStore } from './redis.ts';

/** A fixed-window count: how many so far, and when the window ends (epoch ms). */
export interface WindowCount {
  count: number;
  resetAt: number;
}

/** A pending login that must be deleted from the transaction store. */
export interface EvictedLogin {
  state: string;
  /** The client that started it (empty when unknown). */
  client: string;
  /** `expired`: older than the transaction lifetime; `evicted`: pushed out by a newer one. */
  why: 'expired' | 'evicted';
}

/** Bounds of {@link LimitCounters.addPending}. */
export interface PendingLimits {
  perClient: number;
  total: number;
  /** A pending login older than this has expired anyway (the transaction lifetime), in ms. */
  ttlMs: number;
}

/** The counters the rate limiter keeps; one shared instance per app. */
export interface LimitCounters {
  /** Adds one to `key` in the current window of `windowMs`; returns the new count. */
  hit(key: string, windowMs: number, now: number): Promise<WindowCount>;
  /** `key`'s count in the current window, unchanged. */
  peek(key: string, windowMs: number, now: number): Promise<WindowCount>;
  /** Records a pending login; returns the logins to delete (expired, or beyond a bound, oldest first). */
  addPending(client: string, state: string, now: number, limits: PendingLimits): Promise<EvictedLogin[]>;
  /** Forgets `state`; `true` when it was pending (a callback for a login started here). */
  takePending(state: string): Promise<boolean>;
  /** Pending logins of `client`, or of everyone. */
  pendingCount(client?: string): Promise<number>;
}

const windowOf = (windowMs: number, now: number) => Math.floor(now / windowMs);

/** {@link LimitCounters} in this process (one instance, or instances that each count their own). */
export class MemoryLimitCounters implements LimitCounters {
  readonly #windows = new Map<string, WindowCount>();
  // Insertion order is age order: the first entry is the oldest pending login.
  readonly #pending = new Map<string, { client: string; at: number }>();
  readonly #byClient = new Map<string, Map<string, number>>();

  async hit(key: string, windowMs: number, now: number): Promise<WindowCount> {
    const current = await this.peek(key, windowMs, now);
    const next = { count: current.count + 1, resetAt: current.resetAt };
    // 10,000 keys: beyond that, finished windows are dropped so the map cannot grow without bound.
    if (this.#windows.size > 10_000) for (const [name, entry] of this.#windows) if (entry.resetAt <= now) this.#windows.delete(name);
    this.#windows.set(key, next);
    return next;
  }

  async peek(key: string, windowMs: number, now: number): Promise<WindowCount> {
    const resetAt = (windowOf(windowMs, now) + 1) * windowMs;
    const entry = this.#windows.get(key);
    return entry && entry.resetAt === resetAt ? { ...entry } : { count: 0, resetAt };
  }

  async addPending(client: string, state: string, now: number, limits: PendingLimits): Promise<EvictedLogin[]> {
    const out: EvictedLogin[] = [];
    for (const [oldest, entry] of this.#pending) {
      if (entry.at > now - limits.ttlMs) break;
      this.#drop(oldest, 'expired', out);
    }
    this.#pending.set(state, { client, at: now });
    let mine = this.#byClient.get(client);
    if (!mine) this.#byClient.set(client, (mine = new Map()));
    mine.set(state, now);
    for (const oldest of mine.keys()) {
      if (mine.size <= limits.perClient) break;
      this.#drop(oldest, 'evicted', out);
    }
    for (const oldest of this.#pending.keys()) {
      if (this.#pending.size <= limits.total) break;
      this.#drop(oldest, 'evicted', out);
    }
    return out;
  }

  async takePending(state: string): Promise<boolean> {
    return this.#drop(state, 'evicted', []);
  }

  async pendingCount(client?: string): Promise<number> {
    return client === undefined ? this.#pending.size : (this.#byClient.get(client)?.size ?? 0);
  }

  #drop(state: string, why: EvictedLogin['why'], out: EvictedLogin[]): boolean {
    const entry = this.#pending.get(state);
    if (!entry) return false;
    this.#pending.delete(state);
    const mine = this.#byClient.get(entry.client);
    mine?.delete(state);
    if (mine?.size === 0) this.#byClient.delete(entry.client);
    out.push({ state, client: entry.client, why });
    return true;
  }
}

// KEYS: all pending (zset), owners (hash), sequence. ARGV: client-key prefix, client, state, now, ttl, per client, total.
const ADD_PENDING = `
local all, owner, seqKey = KEYS[1], KEYS[2], KEYS[3]
local prefix, client, state = ARGV[1], ARGV[2], ARGV[3]
local now, ttl, perClient, total = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7])
local out = {}
local function drop(s, why)
  local c = redis.call('HGET', owner, s)
  redis.call('ZREM', all, s)
  redis.call('HDEL', owner, s)
  if c then redis.call('ZREM', prefix .. c, s) end
  table.insert(out, s)
  table.insert(out, c or '')
  table.insert(out, why)
end
for _, s in ipairs(redis.call('ZRANGEBYSCORE', all, '-inf', now - ttl, 'LIMIT', 0, 1000)) do drop(s, 'expired') end
-- Score: time in ms plus a sequence fraction, so logins of the same millisecond keep their order.
local score = now + (redis.call('INCR', seqKey) % 1000) / 1000
local mine = prefix .. client
redis.call('ZADD', all, score, state)
redis.call('ZADD', mine, score, state)
redis.call('HSET', owner, state, client)
redis.call('PEXPIRE', mine, ttl)
local over = redis.call('ZCARD', mine) - perClient
if over > 0 then for _, s in ipairs(redis.call('ZRANGE', mine, 0, over - 1)) do drop(s, 'evicted') end end
over = redis.call('ZCARD', all) - total
if over > 0 then for _, s in ipairs(redis.call('ZRANGE', all, 0, over - 1)) do drop(s, 'evicted') end end
return out
`;

// KEYS: all pending, owners. ARGV: client-key prefix, state.
const TAKE_PENDING = `
local c = redis.call('HGET', KEYS[2], ARGV[2])
if not c then return 0 end
redis.call('ZREM', KEYS[1], ARGV[2])
redis.call('HDEL', KEYS[2], ARGV[2])
redis.call('ZREM', ARGV[1] .. c, ARGV[2])
return 1
`;

type Scripted = Redis & {
  gatehouseAddPending(all: string, owner: string, seq: string, ...args: Array<string | number>): Promise<string[]>;
  gatehouseTakePending(all: string, owner: string, ...args: string[]): Promise<number>;
};

/**
 * {@link LimitCounters} in Redis, shared by every instance using it (each step one atomic script).
 * Uses the connection it is given (the session store's) and never closes it. Like the session
 * store, it targets a standalone or primary/replica Redis, not Redis Cluster.
 */
export class RedisLimitCounters implements LimitCounters {
  readonly #redis: Scripted;
  readonly #prefix: string;

  constructor(redis: Redis, keyPrefix = 'gatehouse:limits:') {
    redis.defineCommand('gatehouseAddPending', { numberOfKeys: 3, lua: ADD_PENDING });
    redis.defineCommand('gatehouseTakePending', { numberOfKeys: 2, lua: TAKE_PENDING });
    this.#redis = redis as Scripted;
    this.#prefix = keyPrefix;
  }

  async hit(key: string, windowMs: number, now: number): Promise<WindowCount> {
    const bucket = windowOf(windowMs, now);
    const name = `${this.#prefix}w:${key}:${bucket}`;
    const [[, count]] = (await this.#redis.multi().incr(name).pexpire(name, windowMs).exec()) as [[unknown, number]];
    return { count: Number(count), resetAt: (bucket + 1) * windowMs };
  }

  async peek(key: string, windowMs: number, now: number): Promise<WindowCount> {
    const bucket = windowOf(windowMs, now);
    const count = await this.#redis.get(`${this.#prefix}w:${key}:${bucket}`);
    return { count: Number(count ?? 0), resetAt: (bucket + 1) * windowMs };
  }

  async addPending(client: string, state: string, now: number, limits: PendingLimits): Promise<EvictedLogin[]> {
    const flat = await this.#redis.gatehouseAddPending(
      `${this.#prefix}pending`, `${this.#prefix}owners`, `${this.#prefix}seq`,
      `${this.#prefix}client:`, client, state, now, limits.ttlMs, limits.perClient, limits.total,
    );
    const out: EvictedLogin[] = [];
    for (let i = 0; i + 2 < flat.length; i += 3) out.push({ state: flat[i]!, client: flat[i + 1]!, why: flat[i + 2] === 'expired' ? 'expired' : 'evicted' });
    return out;
  }

  async takePending(state: string): Promise<boolean> {
    return (await this.#redis.gatehouseTakePending(`${this.#prefix}pending`, `${this.#prefix}owners`, `${this.#prefix}client:`, state)) === 1;
  }

  async pendingCount(client?: string): Promise<number> {
    return client === undefined ? this.#redis.zcard(`${this.#prefix}pending`) : this.#redis.zcard(`${this.#prefix}client:${client}`);
  }
}

/**
 * The counters for an app whose sessions live in `store`: shared through the same Redis when the
 * sessions are (REDIS_URL), else in this process.
 */
export function limitCountersFor(store: unknown): LimitCounters {
  if (store instanceof RedisSessionStore) {
    const { redis, keyPrefix } = store.shared;
    return new RedisLimitCounters(redis, `${keyPrefix}limits:`);
  }
  return new MemoryLimitCounters();
}
