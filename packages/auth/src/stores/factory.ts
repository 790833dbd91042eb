/**
 * Picks the stores the configuration asks for:
 * - `DATABASE_URL=file:…` (the default): SQLite for sessions, login transactions and the audit log;
 * - `DATABASE_URL=postgres://…`: PostgreSQL for all three;
 * - `REDIS_URL` set: Redis for sessions and login transactions, the audit log staying on
 *   `DATABASE_URL` (SQLite file or PostgreSQL).
 * The session-event bus follows the sessions: Redis pub/sub with `REDIS_URL`, else PostgreSQL
 * `LISTEN/NOTIFY` with a `postgres://` `DATABASE_URL`, else in process (one instance on SQLite).
 * A backend that cannot be reached at start-up fails with a {@link ConfigError} naming the variable
 * and the host (never the password), instead of the first request failing later.
 */
import { ConfigError } from '../config/errors.ts';
import type { GatehouseConfig } from '../config/schema.ts';
import { createLocalBus, type BusTransport, type SessionEventBus } from '../events/bus.ts';
import type { AuditLog, AuthStore } from '../types.ts';
import pg from 'pg';
import { openPostgresTransport } from './postgres-bus.ts';
import { checkRegionalRoles, inspectServer, RegionalSessionStore, type RegionalParts } from './postgres-regional.ts';
import { PostgresAuditLog, PostgresSessionStore, type PostgresStoreOptions } from './postgres.ts';
import { openRedisTransport } from './redis-bus.ts';
import { RedisSessionStore, type RedisStoreOptions } from './redis.ts';
import { SqliteAuditLog, SqliteSessionStore } from './sqlite.ts';
import { guardStore, type GuardOptions } from './guard.ts';

/** What {@link openStores} returns; `close` closes every store it opened. */
export interface OpenedStores {
  /** Guarded (`guard.ts`): failures are `StoreUnavailableError`s; a network store fails fast while its breaker is open. */
  sessions: AuthStore;
  audit: AuditLog;
  /** The sessions store's circuit breaker (`closed` for SQLite, which has none). */
  breakerState(): 'open' | 'half_open' | 'closed';
  /** The session-event bus every instance on these stores shares (started); pass it to `createAuth`. */
  events: SessionEventBus;
  close(): Promise<void>;
}

/** Per-backend options (error hooks for a logger; a schema or key prefix for tests). */
export interface OpenStoresOptions {
  postgres?: PostgresStoreOptions;
  redis?: RedisStoreOptions;
  /** Told about bus connection errors after start-up (the transports reconnect by themselves). */
  onBusError?: (error: Error) => void;
  /** Every store failure, by store and cause (a metric). */
  onStoreFailure?: GuardOptions['onFailure'];
  /** Store circuit-breaker transitions (a log line, a gauge). */
  onBreakerChange?: GuardOptions['onBreakerChange'];
  /** With `DATABASE_READ_URL`: failures the regional store absorbs (a skipped touch, a replica read that fell back). */
  onRegionalError?: RegionalParts['onError'];
  /** With `DATABASE_READ_URL`: the primary or replica going away or coming back (a log line). */
  onRegionalHealth?: RegionalParts['onHealthChange'];
}

/**
 * Redis channel of the bus: beside the keys, so instances sharing a key prefix share the channel;
 * with the database number, because pub/sub channels are global to the server, not per database.
 */
function redisChannel(redisUrl: string, options: OpenStoresOptions): string {
  const db = /^\/(\d+)$/.exec(URL.parse(redisUrl)?.pathname ?? '')?.[1];
  return `${options.redis?.keyPrefix ?? 'gatehouse:'}events${db && db !== '0' ? `:db${db}` : ''}`;
}

type Field = 'DATABASE_URL' | 'DATABASE_READ_URL' | 'REDIS_URL';

/** `host:port/database` of a connection URL: enough for an operator, without user or password. */
export function describeServer(url: string): string {
  const parsed = URL.parse(url);
  if (!parsed) return '(unparsable URL)';
  return `${parsed.host || 'localhost'}${parsed.pathname && parsed.pathname !== '/' ? parsed.pathname : ''}`;
}

/** The driver's reason (every inner error's, for an AggregateError), with the URL's password scrubbed should a driver ever echo it. */
export function reasonOf(error: unknown, url: string): string {
  const message = error instanceof AggregateError && error.errors.length
    ? error.errors.map((inner: unknown) => (inner instanceof Error ? inner.message : String(inner))).join('; ')
    : error instanceof Error ? error.message : String(error);
  const password = URL.parse(url)?.password;
  return password ? message.split(password).join('[redacted]').split(decodeURIComponent(password)).join('[redacted]') : message;
}

/** Runs `open`; a failure becomes a start-up ConfigError naming `field` and the server. */
async function connect<T>(field: Field, what: string, url: string, open: () => Promise<T>): Promise<T> {
  try {
    return await open();
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    // 25006 read_only_sql_transaction: creating the tables failed on a standby or read-only server.
    const message = (error as { code?: unknown }).code === '25006'
      ? `${field}: ${what} at ${describeServer(url)} is read-only (a standby, or default_transaction_read_only is on); ${field} must be the writable primary`
      : `${field}: ${what} is not reachable at ${describeServer(url)} (${reasonOf(error, url)}); start it or fix ${field}`;
    throw new ConfigError([{ field, message }], { cause: error });
  }
}

/**
 * The regional store (`DATABASE_READ_URL` set): checks that the primary is writable and the
 * replica a standby of it before anything is opened, then opens the store on each.
 */
async function openRegional(
  databaseUrl: string,
  readUrl: string,
  options: OpenStoresOptions,
  opened: Array<{ close(): Promise<void> }>,
  guard: Partial<GuardOptions> & { breaker: NonNullable<GuardOptions['breaker']> },
): Promise<RegionalSessionStore> {
  // 2 connections each: probes and WAL positions only; sessions go through the stores' own pools.
  const control = { primary: new pg.Pool({ connectionString: databaseUrl, max: 2, connectionTimeoutMillis: 10_000 }), replica: new pg.Pool({ connectionString: readUrl, max: 2, connectionTimeoutMillis: 10_000 }) };
  for (const pool of [control.primary, control.replica]) pool.on('error', (error) => options.postgres?.onError?.(error));
  opened.push({ close: async () => void (await Promise.allSettled([control.primary.end(), control.replica.end()])) });
  const primaryRole = await connect('DATABASE_URL', 'PostgreSQL', databaseUrl, () => inspectServer(control.primary));
  const replicaRole = await connect('DATABASE_READ_URL', 'the PostgreSQL replica', readUrl, () => inspectServer(control.replica));
  const issues = checkRegionalRoles(primaryRole, replicaRole);
  if (issues.length > 0) throw new ConfigError(issues);
  const primary = await connect('DATABASE_URL', 'PostgreSQL', databaseUrl, () => PostgresSessionStore.open(databaseUrl, options.postgres));
  opened.push(primary);
  const replica = await connect('DATABASE_READ_URL', 'the PostgreSQL replica', readUrl, () => PostgresSessionStore.openReadOnly(readUrl, options.postgres));
  opened.push(replica);
  opened.splice(opened.length - 3, 3);
  // A breaker per server: writes fail fast while the primary is away, reads go on from the replica.
  const store = new RegionalSessionStore({
    primary: guardStore(primary, { name: 'sessions-primary', ...guard }),
    replica: guardStore(replica, { name: 'sessions-replica', ...guard }),
    control,
    ...(options.onRegionalError ? { onError: options.onRegionalError } : {}),
    ...(options.onRegionalHealth ? { onHealthChange: options.onRegionalHealth } : {}),
  });
  await store.probe();
  return store;
}

const isPostgres = (url: string) => /^postgres(ql)?:\/\//.test(url);

/** Opens the session/transaction store and the audit log the config names; `close` closes both. */
export async function openStores(config: GatehouseConfig, options: OpenStoresOptions = {}): Promise<OpenedStores> {
  const { databaseUrl, redisUrl } = config;
  // The request path's bounds from config; tests' options (schema, key prefix) are kept.
  options = {
    ...options,
    postgres: { statementTimeoutMs: config.store.timeoutMs, acquireTimeoutMs: config.store.acquireTimeoutMs, ...options.postgres },
    redis: { commandTimeoutMs: config.store.timeoutMs, ...options.redis },
  };
  if (!databaseUrl.startsWith('file:') && !isPostgres(databaseUrl)) {
    throw new ConfigError([{ field: 'DATABASE_URL', message: 'DATABASE_URL must be file:<path> (SQLite, e.g. file:./data/gatehouse.db) or postgres://user:password@host/db' }]);
  }
  if (redisUrl !== null && !/^rediss?:\/\/./.test(redisUrl)) {
    throw new ConfigError([{ field: 'REDIS_URL', message: 'REDIS_URL must be a redis:// or rediss:// URL' }]);
  }

  const guard: Partial<GuardOptions> = { ...(options.onStoreFailure ? { onFailure: options.onStoreFailure } : {}), ...(options.onBreakerChange ? { onBreakerChange: options.onBreakerChange } : {}) };
  const breaker = { failures: config.store.breakerFailures, cooldownMs: config.store.breakerCooldownMs };
  const opened: Array<{ close(): Promise<void> }> = [];
  const closeAll = async () => {
    await Promise.allSettled(opened.map((store) => store.close()));
  };
  try {
    const audit: AuditLog = isPostgres(databaseUrl)
      ? await connect('DATABASE_URL', 'PostgreSQL', databaseUrl, () => PostgresAuditLog.open(databaseUrl, options.postgres))
      : SqliteAuditLog.open(databaseUrl);
    opened.push(audit);
    const sessions: AuthStore = redisUrl !== null
      ? await connect('REDIS_URL', 'Redis', redisUrl, () => RedisSessionStore.open(redisUrl, options.redis))
      : config.databaseReadUrl !== null && isPostgres(databaseUrl)
        ? await openRegional(databaseUrl, config.databaseReadUrl, options, opened, { ...guard, breaker })
      : isPostgres(databaseUrl)
        ? await connect('DATABASE_URL', 'PostgreSQL', databaseUrl, () => PostgresSessionStore.open(databaseUrl, options.postgres))
        : SqliteSessionStore.open(databaseUrl);
    opened.push(sessions);
    const onError = options.onBusError;
    const transport: BusTransport | undefined = redisUrl !== null
      ? await connect('REDIS_URL', 'Redis', redisUrl, () => openRedisTransport(redisUrl, { channel: redisChannel(redisUrl, options), ...(onError ? { onError } : {}) }))
      : isPostgres(databaseUrl)
        ? await connect('DATABASE_URL', 'PostgreSQL', databaseUrl, () => openPostgresTransport(databaseUrl, { ...(options.postgres?.schema ? { channel: `gatehouse_events_${options.postgres.schema}`.slice(0, 63) } : {}), ...(onError ? { onError } : {}) }))
        : undefined;
    const events = createLocalBus(transport ? { transport } : {});
    opened.push(events);
    // Revocations heard on the bus (LISTEN on the primary) override what a lagging replica says.
    if (sessions instanceof RegionalSessionStore) sessions.listen(events);
    if (redisUrl !== null) await connect('REDIS_URL', 'Redis', redisUrl, () => events.start());
    else if (transport) await connect('DATABASE_URL', 'PostgreSQL', databaseUrl, () => events.start());
    // SQLite is a local file: it fails at once by itself, and a breaker would also stop the reads that still work.
    // The regional store has one breaker per server inside (openRegional): one around it would stop the
    // replica's reads when only the primary fails.
    const sessionsBreaker = (redisUrl !== null || isPostgres(databaseUrl)) && !(sessions instanceof RegionalSessionStore);
    const guardedSessions = guardStore(sessions, { name: 'sessions', ...guard, ...(sessionsBreaker ? { breaker } : {}) });
    const guardedAudit = guardStore(audit, { name: 'audit', ...guard, ...(isPostgres(databaseUrl) ? { breaker } : {}) });
    return { sessions: guardedSessions, audit: guardedAudit, events, breakerState: () => guardedSessions.breakerState(), close: closeAll };
  } catch (error) {
    await closeAll();
    throw error;
  }
}
