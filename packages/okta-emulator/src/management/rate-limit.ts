import type { MiddlewareHandler } from 'hono';
import type { ManagementEnv } from './auth.ts';
import { OktaApiError } from './errors.ts';

/**
 * Okta's per-minute rate limit: a fixed one-minute window per API token or client, announced
 * on every response with `X-Rate-Limit-Limit`, `X-Rate-Limit-Remaining` and
 * `X-Rate-Limit-Reset` (epoch seconds when the window ends); past the budget, `429 E0000047`.
 * Unauthenticated calls share one bucket. Runs after `authenticate`.
 * @see https://developer.okta.com/docs/reference/rl-best-practices/
 */
export function rateLimit(options: { perMinute: number; now?: () => number }): MiddlewareHandler<ManagementEnv> {
  const now = options.now ?? Date.now;
  const windows = new Map<string, { resetAt: number; used: number }>();
  return async function rateLimit(c, next) {
    const key = c.get('principal')?.key ?? 'unauthenticated';
    const at = now();
    let window = windows.get(key);
    if (!window || window.resetAt <= at) {
      // Windows align to the wall-clock minute, as Okta's do.
      window = { resetAt: (Math.floor(at / 60_000) + 1) * 60_000, used: 0 };
      windows.set(key, window);
    }
    window.used++;
    const headers = {
      'X-Rate-Limit-Limit': String(options.perMinute),
      'X-Rate-Limit-Remaining': String(Math.max(0, options.perMinute - window.used)),
      'X-Rate-Limit-Reset': String(Math.floor(window.resetAt / 1000)),
    };
    for (const [name, value] of Object.entries(headers)) c.header(name, value);
    if (window.used > options.perMinute) {
      throw new OktaApiError(429, 'E0000047', 'API call exceeded rate limit due to too many requests.', { headers });
    }
    await next();
  };
}
