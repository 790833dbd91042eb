/**
 * Prometheus metrics (prom-client): process defaults, HTTP requests by route and status, auth
 * events counted as the audit log records them, and the number of active sessions.
 * Each app gets its own registry so several apps (tests) can live in one process.
 *
 * The request middleware is on every request's path, so nothing in it is worked out twice: the
 * label set of each (method, matched route, status) is resolved with `labels()` the first time it
 * is seen and kept (the set is bounded: methods are folded to eight, routes are the app's own
 * patterns, statuses are three digits), and a request then costs one map lookup, one counter
 * increment and one histogram observation (docs/decisions/010).
 */
import type { MiddlewareHandler } from 'hono';
import { routePath } from 'hono/route';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { AuditEvent, AuditLog, SessionStore } from '@gatehouse/auth';

/** The Prometheus metrics of one app instance. */
export interface AppMetrics {
  /** This app's own registry, served at `/metrics`. */
  registry: Registry;
  /** Middleware counting and timing every request by matched route (never the raw path). */
  middleware: MiddlewareHandler;
  /** Wraps an audit log so every recorded event also increments `gatehouse_auth_events_total`. */
  countAuditEvents(log: AuditLog): AuditLog;
  /** Counts a request the sign-in limits refused (`gatehouse_auth_rate_limited_total`). */
  countLimited(what: 'callback' | 'login' | 'bearer'): void;
  /** Counts audit events folded into an aggregated row (`gatehouse_audit_events_aggregated_total`). */
  countAggregated(type: string, reason: string | undefined): void;
  /** One failed store call (`gatehouse_store_failures_total{store,cause}`). */
  countStoreFailure(store: string, cause: string): void;
  /** A store circuit breaker's state (`gatehouse_store_breaker_open{store}`: 1 open, 0.5 half-open, 0 closed). */
  setBreakerState(store: string, state: 'open' | 'half_open' | 'closed'): void;
  /** Audit events lost because the store failed and the spool could not keep them (`gatehouse_audit_events_lost_total`). */
  countAuditLost(count: number): void;
  /** Reports the audit spool's waiting events as `gatehouse_audit_spool_events`. */
  observeAuditSpool(status: () => { pending: number }): void;
}

/** Keeps label values bounded: reasons are `[a-z0-9_]` codes, anything else is folded. */
function label(value: string | undefined): string {
  if (!value) return '';
  return /^[a-z0-9_.:-]{1,64}$/i.test(value) ? value : 'other';
}

/** Creates the metrics of one app instance. */
export function createMetrics(sessions: SessionStore): AppMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });

  const requests = new Counter({
    name: 'gatehouse_http_requests_total',
    help: 'HTTP requests by method, matched route and status.',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'gatehouse_http_request_duration_seconds',
    help: 'HTTP request duration by matched route.',
    labelNames: ['method', 'route'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const authEvents = new Counter({
    name: 'gatehouse_auth_events_total',
    help: 'Auth and admin audit events by type, result and reason.',
    labelNames: ['type', 'result', 'reason'] as const,
    registers: [registry],
  });
  const limited = new Counter({
    name: 'gatehouse_auth_rate_limited_total',
    help: 'Requests refused by the sign-in limits: failed callbacks, abandoned logins, failed bearer tokens (per client).',
    labelNames: ['what'] as const,
    registers: [registry],
  });
  const aggregated = new Counter({
    name: 'gatehouse_audit_events_aggregated_total',
    help: 'Repeated unauthenticated audit events folded into one row per client and window instead of a row each.',
    labelNames: ['type', 'reason'] as const,
    registers: [registry],
  });
  new Gauge({
    name: 'gatehouse_active_sessions',
    help: 'Unexpired sessions in the session store.',
    registers: [registry],
    async collect() {
      // A store outage must not take the scrape down with it (that is when metrics matter most):
      // the gauge keeps its last value and gatehouse_store_failures_total says why.
      try {
        this.set(await sessions.count());
      } catch {
        // counted by the store guard
      }
    },
  });

  const storeFailures = new Counter({
    name: 'gatehouse_store_failures_total',
    help: 'Failed calls to a store (sessions, audit) by cause: store_timeout, store_circuit_open, store_unreachable, disk_full, ...',
    labelNames: ['store', 'cause'] as const,
    registers: [registry],
  });
  const breaker = new Gauge({
    name: 'gatehouse_store_breaker_open',
    help: 'Store circuit breaker: 1 open (failing fast), 0.5 half-open (one trial call), 0 closed.',
    labelNames: ['store'] as const,
    registers: [registry],
  });

  const auditLost = new Counter({
    name: 'gatehouse_audit_events_lost_total',
    help: 'Audit events lost: the audit store failed and the local spool was full or unwritable.',
    registers: [registry],
  });
  let spoolStatus: (() => { pending: number }) | null = null;
  new Gauge({
    name: 'gatehouse_audit_spool_events',
    help: 'Audit events waiting in the local spool for the audit store to come back.',
    registers: [registry],
    collect() {
      this.set(spoolStatus?.().pending ?? 0);
    },
  });

  const methods = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
  /** The pre-bound children of one (method, route, status), by `method status route`. */
  const bound = new Map<string, { requests: Counter.Internal; duration: Histogram.Internal<'method' | 'route'> }>();
  function boundFor(rawMethod: string, pattern: string, status: number) {
    const key = `${rawMethod} ${status} ${pattern}`;
    let children = bound.get(key);
    if (!children) {
      // The matched pattern (`/admin/sessions/:id/revoke`), so ids never become label values;
      // unmatched paths share one label.
      const route = status === 404 || pattern === '' || pattern === '/*' || pattern === '*' ? 'unmatched' : pattern;
      const method = methods.has(rawMethod) ? rawMethod : 'OTHER';
      children = { requests: requests.labels({ method, route, status: String(status) }), duration: duration.labels({ method, route }) };
      // Unknown methods are many keys for one label set: keep only the known ones, the rest is resolved each time.
      if (method !== 'OTHER') bound.set(key, children);
    }
    return children;
  }

  return {
    registry,
    middleware: async function httpMetrics(c, next) {
      const started = performance.now();
      try {
        await next();
      } finally {
        const children = boundFor(c.req.method, routePath(c, -1), c.res.status);
        children.requests.inc();
        children.duration.observe((performance.now() - started) / 1000);
      }
    },
    countLimited(what) {
      limited.inc({ what });
    },
    countAggregated(type, reason) {
      aggregated.inc({ type: label(type), reason: label(reason) });
    },
    countStoreFailure(store, cause) {
      storeFailures.inc({ store: label(store), cause: label(cause) });
    },
    setBreakerState(store, state) {
      breaker.set({ store: label(store) }, state === 'open' ? 1 : state === 'half_open' ? 0.5 : 0);
    },
    countAuditLost(count) {
      auditLost.inc(count);
    },
    observeAuditSpool(status) {
      spoolStatus = status;
    },
    countAuditEvents(log) {
      const record = async (event: AuditEvent) => {
        await log.record(event);
        authEvents.inc({ type: event.type, result: event.result, reason: label(event.reason) });
      };
      return {
        record,
        query: (query) => log.query(query),
        countByDay: (type, since) => log.countByDay(type, since),
        countFailuresByReason: (since) => log.countFailuresByReason(since),
        ...(log.purgeBefore ? { purgeBefore: (cutoff: number) => log.purgeBefore!(cutoff) } : {}),
        close: () => log.close(),
      };
    },
  };
}
