import type { SessionStore } from '../types.ts';

/**
 * Removes expired sessions (and login transactions) every `intervalMs` (default 10 min) so the
 * store does not grow without bound; validation already refuses expired sessions, so this is
 * housekeeping, not security. The timer does not keep the process alive. Returns `stop`.
 */
export function schedulePurge(store: SessionStore, options: { intervalMs?: number; onError?: (error: unknown) => void } = {}): () => void {
  // 10 min: expired rows are inert; purging often would only add write load.
  const intervalMs = options.intervalMs ?? 600_000;
  if (!Number.isFinite(intervalMs) || intervalMs < 1000) throw new RangeError('schedulePurge: intervalMs must be at least 1000');
  let running = false;
  const timer = setInterval(function purgeExpiredSessions() {
    if (running) return;
    running = true;
    store.purgeExpired().catch((error: unknown) => options.onError?.(error)).finally(() => {
      running = false;
    });
  }, intervalMs);
  (timer as { unref?: () => void }).unref?.();
  return () => clearInterval(timer);
}
