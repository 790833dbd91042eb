/**
 * Limits on what is abusive about the sign-in endpoints, never on people signing in: a whole
 * office behind one NAT or VPN egress may sign in at 9:00. Per client (an IPv4 address or an IPv6
 * /64, behind TRUST_PROXY_HOPS proxies the address they saw):
 * - failed callbacks a minute (AUTH_RATE_LIMIT_PER_MINUTE) — but a callback that carries a login
 *   transaction started here is never turned away;
 * - unfinished logins kept (AUTH_PENDING_LOGINS_PER_CLIENT, and AUTH_PENDING_LOGINS_TOTAL for
 *   everyone): beyond them the oldest login transactions are deleted, so storage stays bounded;
 * - abandoned logins (evicted or expired) in 10 minutes (AUTH_ABANDONED_LOGINS_PER_10_MIN), after
 *   which `/auth/login` answers 429 to that client only;
 * - failed bearer tokens on `/api/*` a minute, like failed callbacks.
 * Counters are shared by every instance through Redis when REDIS_URL is set.
 */
import type { Context, MiddlewareHandler } from 'hono';
import { clientNetwork } from '@gatehouse/auth';
import { clientAddressOf } from '@gatehouse/auth/hono';
import type { LimitCounters } from '@gatehouse/auth/stores/counters';
import type { Logger } from 'pino';
import type { AuditEvent, GatehouseConfig, TransactionStore, RateLimitOptions } from '../app-context.ts';
import { TooManyRequestsPage } from '../views/status-pages.tsx';

/**
 * 30 failed sign-in callbacks (or bearer tokens) a minute per client: a person fails a handful of
 * times; a script replaying callbacks or guessing tokens is slowed to one try every two seconds.
 */
export const DEFAULT_AUTH_RATE_LIMIT: RateLimitOptions = { limit: 30, windowMs: 60_000 };

// 10 min: the login transaction lifetime (`TRANSACTION_TTL_SECONDS`); a pending login older than that is dead anyway.
const PENDING_TTL_MS = 600_000;
// 10 min: the window abandoned logins are counted in.
const ABANDONED_WINDOW_MS = 600_000;

/**
 * The key a client is counted under: the IPv4 address, or the IPv6 /64 (one subscriber's
 * network: a single host can pick any address in it). Unknown peers (tests) share `unknown`.
 */
export function clientKey(address: string | null): string {
  if (!address) return 'unknown';
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  if (mapped) return mapped[1]!;
  if (!address.includes(':')) return address;
  const [head = '', tail = ''] = address.toLowerCase().split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = address.includes('::') ? [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right] : left;
  return `${groups.slice(0, 4).map((group) => group.replace(/^0+(?=.)/, '')).join(':')}::/64`;
}

/** What the limits need: the configuration, the counters, the transaction store to evict from. */
export interface AuthLimitDeps {
  config: GatehouseConfig;
  counters: LimitCounters;
  transactions: TransactionStore;
  logger: Logger;
  /** Failed callbacks / bearer tokens per client per window; default AUTH_RATE_LIMIT_PER_MINUTE a minute. */
  failures?: RateLimitOptions;
  /** Called with each limited request (for the metric). */
  onLimited?: (what: 'callback' | 'login' | 'bearer') => void;
  /** Where a refusal is recorded (`access.denied`, reason `rate_limited`); repeats are aggregated by the audit log. */
  audit?: (event: AuditEvent) => Promise<void>;
}

/** Counts and records one refused request. */
async function refused(deps: AuthLimitDeps, c: Context, address: string | null, what: 'callback' | 'login' | 'bearer'): Promise<void> {
  deps.onLimited?.(what);
  if (!deps.audit) return;
  // The network (/24, /48), as every audit entry summarises it, not the address.
  const network = clientNetwork(address);
  await deps.audit({ type: 'access.denied', result: 'failure', reason: 'rate_limited', ...(network ? { ip: network } : {}), detail: { limit: what } });
}

function retryAfterSeconds(resetAt: number): number {
  return Math.max(1, Math.ceil((resetAt - Date.now()) / 1000));
}

function tooMany(c: Context, resetAt: number): Response {
  const retryAfter = retryAfterSeconds(resetAt);
  c.header('Retry-After', String(retryAfter));
  return c.html(<TooManyRequestsPage retryAfterSeconds={retryAfter} />, 429) as Response;
}

/** The `state` of the authorization URL a login answered with, if any. */
function stateOf(location: string | null): string | null {
  if (!location) return null;
  return URL.parse(location)?.searchParams.get('state') ?? null;
}

/**
 * `counters` that fail open: while they cannot be reached (Redis down) nobody is limited, rather
 * than everybody getting a 500; a warning is logged at most once a minute.
 */
export function failOpen(counters: LimitCounters, logger: Logger): LimitCounters {
  let warnedAt = 0;
  const guard = async <T,>(work: () => Promise<T>, fallback: T): Promise<T> => {
    try {
      return await work();
    } catch (err) {
      if (Date.now() - warnedAt > 60_000) {
        warnedAt = Date.now();
        logger.warn({ error: err instanceof Error ? err.name : typeof err }, 'sign-in limit counters unavailable: not limiting until they answer');
      }
      return fallback;
    }
  };
  return {
    hit: (key, windowMs, now) => guard(() => counters.hit(key, windowMs, now), { count: 0, resetAt: now + windowMs }),
    peek: (key, windowMs, now) => guard(() => counters.peek(key, windowMs, now), { count: 0, resetAt: now + windowMs }),
    addPending: (client, state, now, limits) => guard(() => counters.addPending(client, state, now, limits), []),
    takePending: (state) => guard(() => counters.takePending(state), false),
    pendingCount: (client) => guard(() => counters.pendingCount(client), 0),
  };
}

/** The `/auth/*` limits (mount on `/auth/*` before the auth routes). */
export function authRateLimit(deps: AuthLimitDeps): MiddlewareHandler {
  const { config, transactions, logger } = deps;
  const counters = failOpen(deps.counters, logger);
  const failures = deps.failures ?? { limit: config.rateLimit.authPerMinute, windowMs: 60_000 };
  const pending = { perClient: config.rateLimit.pendingLoginsPerClient, total: config.rateLimit.pendingLoginsTotal, ttlMs: PENDING_TTL_MS };

  async function evict(evicted: Awaited<ReturnType<LimitCounters['addPending']>>, now: number): Promise<void> {
    for (const login of evicted) {
      await transactions.takeTransaction(login.state).catch((err: unknown) => logger.warn({ error: err instanceof Error ? err.name : typeof err }, 'could not delete an evicted login transaction'));
      if (login.client) await counters.hit(`abandoned:${login.client}`, ABANDONED_WINDOW_MS, now);
    }
  }

  return async function authRateLimit(c, next) {
    const address = clientAddressOf(c, config.trustProxyHops);
    const client = clientKey(address);
    const now = Date.now();
    // The app routes non-strictly: `/auth/login/` is the login too and must not escape the count.
    const path = c.req.path.replace(/\/+$/, '');
    if (path === '/auth/login') {
      const abandoned = await counters.peek(`abandoned:${client}`, ABANDONED_WINDOW_MS, now);
      if (abandoned.count >= config.rateLimit.abandonedLoginsPer10Min) {
        await refused(deps, c, address, 'login');
        return tooMany(c, abandoned.resetAt);
      }
      await next();
      const state = c.res.status === 302 ? stateOf(c.res.headers.get('location')) : null;
      if (state) await evict(await counters.addPending(client, state, now, pending), now);
      return;
    }
    if (path === '/auth/callback') {
      const state = c.req.query('state');
      // Back from Okta with a login started here: never limited, whatever this network did before.
      const known = state ? await counters.takePending(state) : false;
      if (!known) {
        const failed = await counters.peek(`failed:${client}`, failures.windowMs, now);
        if (failed.count >= failures.limit) {
          await refused(deps, c, address, 'callback');
          return tooMany(c, failed.resetAt);
        }
      }
      await next();
      if (c.res.status >= 400) await counters.hit(`failed:${client}`, failures.windowMs, now);
      return;
    }
    await next();
  };
}

/**
 * Failed bearer tokens on `/api/*` (mount before the auth middleware): past the budget a client's
 * `Authorization` headers are answered 429 without being verified (nor audited again).
 */
export function bearerFailureLimit(deps: AuthLimitDeps): MiddlewareHandler {
  const { config } = deps;
  const counters = failOpen(deps.counters, deps.logger);
  const failures = deps.failures ?? { limit: config.rateLimit.authPerMinute, windowMs: 60_000 };
  return async function bearerFailureLimit(c, next) {
    if (c.req.header('authorization') === undefined) return next();
    const address = clientAddressOf(c, config.trustProxyHops);
    const client = clientKey(address);
    const now = Date.now();
    const failed = await counters.peek(`bearer:${client}`, failures.windowMs, now);
    if (failed.count >= failures.limit) {
      await refused(deps, c, address, 'bearer');
      const retryAfter = retryAfterSeconds(failed.resetAt);
      return c.json({ error: { code: 'RATE_LIMITED', message: 'Too many requests with invalid tokens; try again later.' } }, 429, { 'Retry-After': String(retryAfter) });
    }
    await next();
    if (c.res.status === 401) await counters.hit(`bearer:${client}`, failures.windowMs, now);
  };
}
