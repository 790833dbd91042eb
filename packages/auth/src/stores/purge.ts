import type { AuditLog, SessionStore } from '../types.ts';

/** Options of {@link schedulePurge}. */
export interface PurgeOptions {
  intervalMs?: number;
  onError?: (error: unknown) => void;
  /** Also delete audit entries older than `retentionDays` (AUDIT_RETENTION_DAYS) on the same schedule. */
  audit?: { log: AuditLog; retentionDays: number; now?: () => number };
}

const DAY_MS = 86_400_000;

/**
 * Removes expired sessions (and login transactions) every `intervalMs` (default 10 min) so the
 * store does not grow without bound; validation already refuses expired sessions, so this is
 * housekeeping, not security. With `audit`, audit entries past their retention go too. The timer
 * does not keep the process alive. Returns `stop`.
 */
export function schedulePurge(store: SessionStore, options: PurgeOptions = {}): () => void {
  // 10 min: expired rows are inert; purging often would only add write load.
  const intervalMs = options.intervalMs ?? 600_000;
  if (!Number.isFinite(intervalMs) || intervalMs < 1000) throw new RangeError('schedulePurge: intervalMs must be at least 1000');
  let running = false;
  const timer = setInterval(function purgeExpiredSessions() {
    if (running) return;
    running = true;
    const audit = options.audit;
    const cutoff = audit ? (audit.now ?? Date.now)() - audit.retentionDays * DAY_MS : 0;
    Promise.all([
      store.purgeExpired().catch((error: unknown) => options.onError?.(error)),
      audit?.log.purgeBefore?.(cutoff).catch((error: unknown) => options.onError?.(error)),
    ]).finally(() => {
      running = false;
    });
  }, intervalMs);
  (timer as { unref?: () => void }).unref?.();
  return () => clearInterval(timer);
}
