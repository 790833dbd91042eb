/**
 * What every store's {@link LeaseStore} implementation shares: the argument check. A lease is a
 * short, self-expiring, per-key lock held by a named holder, used so that of several instances
 * sharing a store only one does a piece of work at a time (a token refresh, an Okta event).
 */
import type { LeaseStore } from '../../types.ts';

export type { LeaseStore };

/**
 * Checks a lease time-to-live and returns it: a positive whole number of milliseconds. A zero,
 * negative, fractional or non-finite ttl is a programming error, so it throws at the caller.
 */
export function leaseTtl(ttlMs: number): number {
  if (!Number.isSafeInteger(ttlMs) || ttlMs <= 0) throw new RangeError('A lease ttl must be a positive whole number of milliseconds');
  return ttlMs;
}
