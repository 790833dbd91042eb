/**
 * The one translation of store failures: every call to a store (SQLite, PostgreSQL, Redis) goes
 * through {@link guardStore}, which turns whatever the driver throws (a timeout, a refused or
 * reset connection, a full disk) into a {@link StoreUnavailableError} with a short cause, counts
 * it, and — for stores across a network — runs the call through a circuit breaker: after
 * `breakerFailures` failures in a row calls fail in microseconds for `breakerCooldownMs`, then one
 * trial call decides whether the store is back. The web layer answers those errors with a 503.
 */
import { BrokenCircuitError, circuitBreaker, ConsecutiveBreaker, handleWhen, type CircuitBreakerPolicy } from 'cockatiel';
import { StoreUnavailableError, type StoreFailureCause } from '../errors.ts';

export { StoreUnavailableError, type StoreFailureCause } from '../errors.ts';

/** Codes of `node:sqlite` (SQLite's primary result codes, `errcode & 0xff`) that mean our disk or file. */
const SQLITE_CAUSES: Record<number, StoreFailureCause> = {
  5: 'store_busy', // SQLITE_BUSY
  6: 'store_busy', // SQLITE_LOCKED
  8: 'disk_read_only', // SQLITE_READONLY
  10: 'disk_error', // SQLITE_IOERR
  13: 'disk_full', // SQLITE_FULL
  14: 'store_unreachable', // SQLITE_CANTOPEN
};
const ERRNO_CAUSES: Record<string, StoreFailureCause> = {
  ENOSPC: 'disk_full',
  EDQUOT: 'disk_full',
  EFBIG: 'disk_full',
  EROFS: 'disk_read_only',
  EACCES: 'disk_read_only',
  EIO: 'disk_error',
  ECONNREFUSED: 'store_unreachable',
  ECONNRESET: 'store_unreachable',
  EPIPE: 'store_unreachable',
  ETIMEDOUT: 'store_timeout',
  EHOSTUNREACH: 'store_unreachable',
  ENETUNREACH: 'store_unreachable',
  ENOTFOUND: 'store_unreachable',
  EAI_AGAIN: 'store_unreachable',
};

/** What a driver's error means, walking its `cause` chain (pg, ioredis, node:sqlite, Node's errno). */
export function classifyStoreError(error: unknown): StoreFailureCause {
  for (let err = error, depth = 0; err && depth < 5; err = (err as { cause?: unknown }).cause, depth++) {
    if (err instanceof StoreUnavailableError) return err.reason;
    if (err instanceof BrokenCircuitError) return 'store_circuit_open';
    const { code, errcode, message } = err as { code?: unknown; errcode?: unknown; message?: unknown };
    if (code === 'ERR_SQLITE_ERROR' && typeof errcode === 'number') return SQLITE_CAUSES[errcode & 0xff] ?? 'store_error';
    if (typeof code === 'string') {
      if (ERRNO_CAUSES[code]) return ERRNO_CAUSES[code];
      // PostgreSQL SQLSTATEs: 57014 statement_timeout, 53100 disk_full, class 08 connection, 57P0x shutdown.
      if (code === '57014') return 'store_timeout';
      if (code === '53100') return 'disk_full';
      if (/^08|^57P0/.test(code)) return 'store_unreachable';
    }
    const text = typeof message === 'string' ? message : '';
    // pg's query_timeout and pool acquisition timeout; ioredis' commandTimeout.
    if (/Query read timeout|timeout exceeded when trying to connect|Connection terminated due to connection timeout|Command timed out/i.test(text)) return 'store_timeout';
    if (/Connection terminated|Connection is closed|max retries per request|Stream isn't writeable|Client has encountered a connection error/i.test(text)) return 'store_unreachable';
    if (/database or disk is full|No space left/i.test(text)) return 'disk_full';
  }
  return 'store_error';
}

/** Options of {@link guardStore}. */
export interface GuardOptions {
  /** Which store, for metrics and logs: `sessions`, `audit`. */
  name: string;
  /** Circuit breaker for a network store; none for SQLite (local, it fails fast by itself). */
  breaker?: { failures: number; cooldownMs: number };
  /** Told about every failure (a metric by cause). */
  onFailure?: (store: string, cause: StoreFailureCause) => void;
  /** Told when the breaker opens, lets a trial through, or closes again. */
  onBreakerChange?: (store: string, state: 'open' | 'half_open' | 'closed') => void;
}

/** A guarded store: the same interface, plus the breaker's state for readiness. */
export type Guarded<T> = T & { readonly breakerState: () => 'open' | 'half_open' | 'closed' };

// Not breaker material: the store answered, and the answer was "no".
const NOT_AN_OUTAGE = new Set<StoreFailureCause>(['store_busy']);

/**
 * Wraps every method of `store` (except `close`) so that failures become
 * {@link StoreUnavailableError}s; `ping` keeps its own contract (false, never a throw) but still
 * feeds the breaker. The store's own driver timeouts bound each call (see `postgres-pool.ts`,
 * `redis.ts`); the breaker stops calls from queueing behind a dead server.
 */
export function guardStore<T extends object>(store: T, options: GuardOptions): Guarded<T> {
  const policy: CircuitBreakerPolicy | null = options.breaker
    ? circuitBreaker(handleWhen((err) => !NOT_AN_OUTAGE.has(classifyStoreError(err))), {
        halfOpenAfter: options.breaker.cooldownMs,
        breaker: new ConsecutiveBreaker(options.breaker.failures),
      })
    : null;
  let state: 'open' | 'half_open' | 'closed' = 'closed';
  if (policy) {
    const tell = (next: typeof state) => {
      state = next;
      options.onBreakerChange?.(options.name, next);
    };
    policy.onBreak(() => tell('open'));
    policy.onHalfOpen(() => tell('half_open'));
    policy.onReset(() => tell('closed'));
  }

  const call = async (method: (...args: unknown[]) => unknown, args: unknown[]): Promise<unknown> => {
    try {
      return policy ? await policy.execute(() => method.apply(store, args)) : await method.apply(store, args);
    } catch (error) {
      const cause = classifyStoreError(error);
      options.onFailure?.(options.name, cause);
      throw new StoreUnavailableError(cause, { cause: error, store: options.name });
    }
  };

  return new Proxy(store, {
    get(target, property) {
      if (property === 'breakerState') return () => state;
      const value = Reflect.get(target, property, target) as unknown;
      if (typeof value !== 'function' || property === 'close' || property === 'constructor') {
        return typeof value === 'function' ? value.bind(target) : value;
      }
      const method = value as (...args: unknown[]) => unknown;
      if (property === 'ping') return (...args: unknown[]) => call(async (...a: unknown[]) => {
        if (!(await method.apply(store, a))) throw new StoreUnavailableError('store_unreachable', { store: options.name });
        return true;
      }, args).catch(() => false);
      return (...args: unknown[]) => call(method, args);
    },
  }) as Guarded<T>;
}
