/**
 * Per-IP rate limit on `/auth/*` (hono-rate-limiter, in-memory per instance): sign-in starts and
 * callbacks are cheap to send and expensive to serve (IdP round trips, store writes).
 */
import type { MiddlewareHandler } from 'hono';
import { rateLimiter } from 'hono-rate-limiter';
import { clientAddressOf } from '@gatehouse/auth/hono';
import type { RateLimitOptions } from '../deps.ts';
import { TooManyRequestsPage } from '../views/status-pages.tsx';

/**
 * 30 requests per minute per client: a person signs in a handful of times an hour; a script
 * hammering the sign-in endpoints is slowed to one attempt every two seconds.
 */
export const DEFAULT_AUTH_RATE_LIMIT: RateLimitOptions = { limit: 30, windowMs: 60_000 };

/**
 * The `/auth/*` limiter with the friendly 429 page and `Retry-After`, keyed by client address:
 * the socket peer, or behind `trustProxyHops` proxies (TRUST_PROXY_HOPS) the address they saw —
 * otherwise everyone behind one Ingress would share a single budget, and without a known proxy
 * anyone could pick their own bucket through X-Forwarded-For.
 */
export function authRateLimit(options: RateLimitOptions = DEFAULT_AUTH_RATE_LIMIT, trustProxyHops = 0): MiddlewareHandler {
  const limiter = rateLimiter({
    windowMs: options.windowMs,
    limit: options.limit,
    standardHeaders: 'draft-6',
    // `app.request()` in tests has no socket: those requests share one 'unknown' bucket.
    keyGenerator: (c) => clientAddressOf(c, trustProxyHops) ?? 'unknown',
    handler: async (c) => {
      const info = c.get('rateLimit' as never) as { resetTime?: Date } | undefined;
      const resetIn = info?.resetTime ? Math.ceil((info.resetTime.getTime() - Date.now()) / 1000) : Math.ceil(options.windowMs / 1000);
      const retryAfter = Math.max(1, resetIn);
      c.header('Retry-After', String(retryAfter));
      return c.html(<TooManyRequestsPage retryAfterSeconds={retryAfter} />, 429);
    },
  });
  return async function authRateLimit(c, next) {
    return limiter(c, next);
  };
}
