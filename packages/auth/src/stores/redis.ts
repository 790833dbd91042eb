/**
 * Sessions and login transactions in Redis (`REDIS_URL`), shared by several instances. Keys
 * (all under a configurable prefix, default `gatehouse:`):
 * - `session:<id>`: a hash, expired by Redis itself at the session's idle or absolute expiry
 *   (whichever comes first); fields are grouped by writer, so `touch` and `update` never overwrite
 *   each other: `identity` (written once), `profile` (refresh), `lastSeenAt`/`expiresAt` (touch).
 * - `user:<sub>`: the set of a user's session ids (`deleteByUser`), expiring with their last session.
 * - `sessions:by-created`, `sessions:by-expiry`: sorted sets for `list`, `count` and `purgeExpired`;
 *   members whose hash is gone are pruned lazily (by `purgeExpired` and `list`).
 * - `tx:<state>`: a login transaction (JSON), 10 min TTL, taken with `GETDEL`.
 * - `lease:<key>`: a lease's holder, expired by Redis itself after the lease's ttl.
 * Multi-key writes run as Lua scripts, so every operation is atomic. Scripts compute some key names
 * from the prefix, so this targets a standalone (or primary/replica) Redis, not Redis Cluster.
 * Needs Redis 7.0 or newer (`PEXPIRETIME`; `GETDEL` is 6.2).
 */
import { Redis } from 'ioredis';
import type { LeaseStore, LoginTransaction, SessionListQuery, SessionRecord, SessionStore, TransactionStore } from '../types.ts';
import { isSessionExpired } from '../session/manager.ts';
import { leaseTtl } from './shared/lease.ts';
import { newestFirst, pageBounds } from './shared/paging.ts';

/** Options of {@link RedisSessionStore.open}. */
export interface RedisStoreOptions {
  /** Prefix of every key (default `gatehouse:`); tests use a random one each. */
  keyPrefix?: string;
  /** Told about connection errors after start-up (ioredis reconnects by itself). */
  onError?: (error: Error) => void;
  /** Longest a command may wait for its reply, in ms (ioredis `commandTimeout`). Default 2000. */
  commandTimeoutMs?: number;
}

// 2 s: the request path's budget (STORE_TIMEOUT_MS); a session read takes well under a millisecond.
const DEFAULT_COMMAND_TIMEOUT_MS = 2000;

// 10 min: an abandoned login must not stay replayable; the callback also checks `expiresAt`.
const TRANSACTION_TTL_MS = 600_000;
// 500: bounds the work of one script call or pipeline, so Redis is never blocked for long.
const BATCH = 500;

// Raises a key's expiry to `at` (never lowers it): a user set lives as long as its longest session.
const EXTEND = `
local function extend(key, at)
  local current = redis.call('PEXPIRETIME', key)
  if current < 0 or current < tonumber(at) then redis.call('PEXPIREAT', key, at) end
end
local function earliest(a, b) if tonumber(b) < tonumber(a) then return b end return a end
`;

const SCRIPTS = {
  // KEYS: session, user set, by-created, by-expiry. ARGV: id, sub, identity, profile, lastSeenAt, expiresAt, absoluteExpiresAt, createdAt.
  ghCreate: [4, `${EXTEND}
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
local at = earliest(ARGV[6], ARGV[7])
redis.call('HSET', KEYS[1], 'sub', ARGV[2], 'identity', ARGV[3], 'profile', ARGV[4], 'lastSeenAt', ARGV[5], 'expiresAt', ARGV[6], 'absoluteExpiresAt', ARGV[7])
redis.call('PEXPIREAT', KEYS[1], at)
redis.call('ZADD', KEYS[3], ARGV[8], ARGV[1])
redis.call('ZADD', KEYS[4], at, ARGV[1])
redis.call('SADD', KEYS[2], ARGV[1])
extend(KEYS[2], at)
return 1`],
  // KEYS: session, by-expiry. ARGV: id, lastSeenAt, expiresAt, user-key prefix.
  ghTouch: [2, `${EXTEND}
local stored = redis.call('HMGET', KEYS[1], 'sub', 'absoluteExpiresAt')
if not stored[1] then return 0 end
local at = earliest(ARGV[3], stored[2])
redis.call('HSET', KEYS[1], 'lastSeenAt', ARGV[2], 'expiresAt', ARGV[3])
redis.call('PEXPIREAT', KEYS[1], at)
redis.call('ZADD', KEYS[2], at, ARGV[1])
extend(ARGV[4] .. stored[1], at)
return 1`],
  // KEYS: session. ARGV: id, sub, profile, user-key prefix.
  ghUpdate: [1, `${EXTEND}
local stored = redis.call('HMGET', KEYS[1], 'sub', 'expiresAt', 'absoluteExpiresAt')
if not stored[1] then return 0 end
redis.call('HSET', KEYS[1], 'sub', ARGV[2], 'profile', ARGV[3])
if stored[1] ~= ARGV[2] then
  redis.call('SREM', ARGV[4] .. stored[1], ARGV[1])
  redis.call('SADD', ARGV[4] .. ARGV[2], ARGV[1])
  extend(ARGV[4] .. ARGV[2], earliest(stored[2], stored[3]))
end
return 1`],
  // KEYS: session, by-created, by-expiry. ARGV: id, user-key prefix.
  ghDelete: [3, `
local sub = redis.call('HGET', KEYS[1], 'sub')
if sub then redis.call('SREM', ARGV[2] .. sub, ARGV[1]) end
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('ZREM', KEYS[3], ARGV[1])
return redis.call('DEL', KEYS[1])`],
  // KEYS: user set, by-created, by-expiry. ARGV: sub, session-key prefix.
  ghDeleteByUser: [3, `
local deleted = 0
for _, id in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local key = ARGV[2] .. id
  local owner = redis.call('HGET', key, 'sub')
  if owner == ARGV[1] then deleted = deleted + redis.call('DEL', key) end
  if owner == ARGV[1] or not owner then
    redis.call('ZREM', KEYS[2], id)
    redis.call('ZREM', KEYS[3], id)
  end
end
redis.call('DEL', KEYS[1])
return deleted`],
  // KEYS: lease. ARGV: holder, ttl ms. SET NX PX takes a free (or expired: Redis deleted it) lease;
  // the holder's own lease is extended instead. Returns 1 when the caller holds it.
  ghLeaseAcquire: [1, `
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0`],
  // KEYS: lease. ARGV: holder. Compare-and-delete: a lease that expired and was taken by another stays theirs.
  ghLeaseRelease: [1, `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`],
  // KEYS: by-created, by-expiry. ARGV: now, batch size, session-key prefix, user-key prefix.
  ghPurge: [2, `
local ids = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[1], 'LIMIT', 0, ARGV[2])
for _, id in ipairs(ids) do
  local key = ARGV[3] .. id
  local sub = redis.call('HGET', key, 'sub')
  if sub then
    redis.call('SREM', ARGV[4] .. sub, id)
    redis.call('DEL', key)
  end
  redis.call('ZREM', KEYS[1], id)
  redis.call('ZREM', KEYS[2], id)
end
return #ids`],
} as const;

type ScriptArg = string | number;
type Scripted = Redis & { [name in keyof typeof SCRIPTS]: (...args: ScriptArg[]) => Promise<number> };

/** Session fields grouped by the one operation that writes them. */
type Identity = Pick<SessionRecord, 'secretHash' | 'createdAt' | 'userAgent' | 'ip'>;
type Profile = Pick<SessionRecord, 'user' | 'roles' | 'claims' | 'tokens' | 'accessTokenExpiresAt'>;

const profileOf = (s: SessionRecord): string =>
  JSON.stringify({ user: s.user, roles: s.roles, claims: s.claims, tokens: s.tokens, accessTokenExpiresAt: s.accessTokenExpiresAt } satisfies Profile);

function toRecord(id: string, hash: Record<string, string>): SessionRecord | null {
  if (hash.identity === undefined || hash.profile === undefined) return null;
  const identity = JSON.parse(hash.identity) as Identity;
  const profile = JSON.parse(hash.profile) as Profile;
  return {
    id,
    ...identity,
    ...profile,
    lastSeenAt: Number(hash.lastSeenAt),
    expiresAt: Number(hash.expiresAt),
    absoluteExpiresAt: Number(hash.absoluteExpiresAt),
  };
}

/** Sessions and login transactions in Redis (ioredis, one connection, pipelined). */
export class RedisSessionStore implements SessionStore, TransactionStore, LeaseStore {
  readonly #redis: Scripted;
  readonly #prefix: string;
  // Key prefixes the scripts append an id or a sub to.
  readonly #sessionPrefix: string;
  readonly #userPrefix: string;
  readonly #created: string;
  readonly #expiry: string;
  #closed = false;

  private constructor(redis: Redis, keyPrefix: string) {
    for (const [name, [numberOfKeys, lua]] of Object.entries(SCRIPTS)) redis.defineCommand(name, { numberOfKeys, lua });
    this.#redis = redis as Scripted;
    this.#prefix = keyPrefix;
    this.#sessionPrefix = `${keyPrefix}session:`;
    this.#userPrefix = `${keyPrefix}user:`;
    this.#created = `${keyPrefix}sessions:by-created`;
    this.#expiry = `${keyPrefix}sessions:by-expiry`;
  }

  /**
   * This store's connection and key prefix, for counters of the app that must be shared the same
   * way (the sign-in rate limits, `stores/counters.ts`); closed with the store.
   */
  get shared(): { redis: Redis; keyPrefix: string } {
    return { redis: this.#redis, keyPrefix: this.#prefix };
  }

  /**
   * Connects to `redis://…` / `rediss://…` and checks the server answers. Rejects with the
   * client's error (after stopping its reconnect loop) when it cannot connect; `openStores`
   * turns that into a start-up message.
   */
  static async open(redisUrl: string, options: RedisStoreOptions = {}): Promise<RedisSessionStore> {
    const keyPrefix = options.keyPrefix ?? 'gatehouse:';
    if (!/^[\w.:{}-]{1,64}$/.test(keyPrefix)) throw new TypeError('keyPrefix must be 1-64 characters of [A-Za-z0-9_.:{}-]');
    const redis = new Redis(redisUrl, {
      lazyConnect: true,
      // 10 s to connect; each command then gets its reply within commandTimeout or fails (also
      // while queued during a reconnect), and at most 2 reconnections: never a request hanging on Redis.
      connectTimeout: 10_000,
      commandTimeout: options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS,
      maxRetriesPerRequest: 2,
    });
    // Without a listener ioredis prints every reconnect error to stderr.
    let connecting = true;
    let cause: Error | undefined;
    redis.on('error', (error: Error) => {
      if (connecting) cause ??= error;
      else options.onError?.(error);
    });
    try {
      await redis.connect();
      await redis.ping();
    } catch (error) {
      redis.disconnect();
      // connect() only says "Connection is closed."; the socket error says why (ECONNREFUSED, auth…).
      throw cause ?? error;
    }
    connecting = false;
    return new RedisSessionStore(redis, keyPrefix);
  }

  #session(id: string): string {
    return this.#sessionPrefix + id;
  }

  #user(sub: string): string {
    return this.#userPrefix + sub;
  }

  #open(): Scripted {
    if (this.#closed) throw new Error('RedisSessionStore is closed');
    return this.#redis;
  }

  async create(session: SessionRecord): Promise<void> {
    const identity: Identity = { secretHash: session.secretHash, createdAt: session.createdAt, userAgent: session.userAgent, ip: session.ip };
    const created = await this.#open().ghCreate(
      this.#session(session.id), this.#user(session.user.sub), this.#created, this.#expiry,
      session.id, session.user.sub, JSON.stringify(identity), profileOf(session),
      session.lastSeenAt, session.expiresAt, session.absoluteExpiresAt, session.createdAt,
    );
    if (created !== 1) throw new Error('A session with this id already exists');
  }

  async get(id: string): Promise<SessionRecord | null> {
    return toRecord(id, await this.#open().hgetall(this.#session(id)));
  }

  async touch(id: string, lastSeenAt: number, expiresAt: number): Promise<void> {
    await this.#open().ghTouch(this.#session(id), this.#expiry, id, lastSeenAt, expiresAt, this.#userPrefix);
  }

  async update(session: SessionRecord): Promise<void> {
    await this.#open().ghUpdate(this.#session(session.id), session.id, session.user.sub, profileOf(session), this.#userPrefix);
  }

  async delete(id: string): Promise<void> {
    await this.#open().ghDelete(this.#session(id), this.#created, this.#expiry, id, this.#userPrefix);
  }

  async deleteByUser(sub: string): Promise<number> {
    return this.#open().ghDeleteByUser(this.#user(sub), this.#created, this.#expiry, sub, this.#sessionPrefix);
  }

  /** Reads sessions by id in one round trip; ids whose hash is gone are reported as stale. */
  async #read(ids: string[]): Promise<{ sessions: SessionRecord[]; stale: string[] }> {
    const pipeline = this.#open().pipeline();
    for (const id of ids) pipeline.hgetall(this.#session(id));
    const replies = (await pipeline.exec()) ?? [];
    const sessions: SessionRecord[] = [];
    const stale: string[] = [];
    ids.forEach((id, i) => {
      const [error, hash] = replies[i] ?? [new Error('no reply')];
      if (error) throw error;
      const session = toRecord(id, hash as Record<string, string>);
      if (session) sessions.push(session);
      else stale.push(id);
    });
    return { sessions, stale };
  }

  async list(query: SessionListQuery = {}): Promise<SessionRecord[]> {
    const redis = this.#open();
    const { limit, offset } = pageBounds(query.limit, query.offset);
    if (limit === 0) return [];
    const now = Date.now();
    if (query.sub !== undefined) {
      // A user has a handful of sessions: read them all, then sort and page here.
      const userKey = this.#user(query.sub);
      const { sessions, stale } = await this.#read(await redis.smembers(userKey));
      if (stale.length) await redis.srem(userKey, ...stale);
      return sessions.filter((s) => s.user.sub === query.sub && !isSessionExpired(s, now)).sort(newestFirst).slice(offset, offset + limit);
    }
    // Walk the by-created index newest first (equal scores come in reverse byte order of the id,
    // as in the SQL stores) until the page is full, skipping expired sessions.
    const page: SessionRecord[] = [];
    const seen = new Set<string>();
    const stale: string[] = [];
    let skipped = 0;
    for (let start = 0; page.length < limit; ) {
      // Read only as many as the page still needs (expired ones cost another round).
      const wanted = Math.min(BATCH, offset - skipped + limit - page.length);
      const ids = await redis.zrevrange(this.#created, start, start + wanted - 1);
      if (ids.length === 0) break;
      start += ids.length;
      const read = await this.#read(ids.filter((id) => !seen.has(id)));
      stale.push(...read.stale);
      for (const session of read.sessions) {
        seen.add(session.id);
        if (isSessionExpired(session, now)) continue;
        if (skipped < offset) skipped++;
        else if (page.push(session) === limit) break;
      }
    }
    // Pruned after the walk, so removing members does not shift the ranks being walked.
    if (stale.length) await redis.multi().zrem(this.#created, ...stale).zrem(this.#expiry, ...stale).exec();
    return page;
  }

  async count(now = Date.now()): Promise<number> {
    // Expiry is inclusive (at expiresAt the session is gone): count scores strictly above now.
    return this.#open().zcount(this.#expiry, `(${now}`, '+inf');
  }

  async purgeExpired(now = Date.now()): Promise<number> {
    let purged = 0;
    for (;;) {
      const removed = await this.#open().ghPurge(this.#created, this.#expiry, now, BATCH, this.#sessionPrefix, this.#userPrefix);
      purged += removed;
      if (removed < BATCH) return purged;
    }
  }

  async putTransaction(tx: LoginTransaction): Promise<void> {
    await this.#open().set(`${this.#prefix}tx:${tx.state}`, JSON.stringify(tx), 'PX', TRANSACTION_TTL_MS);
  }

  async takeTransaction(state: string): Promise<LoginTransaction | null> {
    // GETDEL is one atomic command: of concurrent callbacks on any instance, exactly one gets it.
    const data = await this.#open().getdel(`${this.#prefix}tx:${state}`);
    return data === null ? null : (JSON.parse(data) as LoginTransaction);
  }

  async acquireLease(key: string, holder: string, ttlMs: number): Promise<boolean> {
    const ttl = leaseTtl(ttlMs);
    return (await this.#open().ghLeaseAcquire(`${this.#prefix}lease:${key}`, holder, ttl)) === 1;
  }

  async releaseLease(key: string, holder: string): Promise<void> {
    await this.#open().ghLeaseRelease(`${this.#prefix}lease:${key}`, holder);
  }

  async ping(): Promise<boolean> {
    if (this.#closed || this.#redis.status !== 'ready') return false;
    try {
      return (await this.#redis.ping()) === 'PONG';
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    try {
      await this.#redis.quit();
    } catch {
      this.#redis.disconnect();
    }
  }
}
