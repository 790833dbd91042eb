/**
/**
 * Operator endpoints: liveness (`/healthz`), readiness (`/readyz`) and Prometheus metrics
 * (`/metrics`, on this port only with METRICS_TOKEN). JSON, no session needed, never cached.
 *
 * `/readyz` tells the truth about what this instance can do: the session store is checked with a
 * real write, read and delete of a canary lease (a full disk or a read-only file fails it, which
 * `SELECT 1` did not); the IdP from the cheap cached probe (discovery document, short timeout),
 * reported as `degraded` without failing readiness — signed-in users go on while Okta is down, and
 * taking every instance out of the load balancer would help nobody. During a drain it is 503 first.
 * @see ARCHITECTURE.md "Routes"
 */
import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import { Hono } from 'hono';
import { classifyStoreError } from '@gatehouse/auth/stores/guard';
import type { RegionalHealth } from '@gatehouse/auth/stores/postgres-regional';
import type { AppDeps } from '../../app-context.ts';
import { forwardedProbeRoutes } from './forwarded.ts';

// 3 s: a probe must answer before Kubernetes' default 1–5 s probe timeout gives up on its own.
const READY_TIMEOUT_MS = 3000;
// 10 s: a canary lease left by a crash between write and delete expires by itself, soon.
const CANARY_TTL_MS = 10_000;

type State = 'ok' | 'degraded' | 'failing';
interface Check {
  state: State;
  /** Why it is not ok: a store failure cause (`disk_full`, `store_timeout`, …) or the IdP's (`ECONNREFUSED`, `http_503`). */
  reason?: string;
}

async function within(work: () => Promise<Check>): Promise<Check> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<Check>((resolve) => {
    timer = setTimeout(() => resolve({ state: 'failing', reason: 'check_timeout' }), READY_TIMEOUT_MS);
  });
  try {
    return await Promise.race([work(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** The regional store's health (`stores/postgres-regional.ts`), when the sessions live in one. */
function regionalHealth(sessions: unknown): (() => Promise<RegionalHealth>) | null {
  const health = (sessions as { health?: unknown }).health;
  return typeof health === 'function' ? async () => (health as () => RegionalHealth | Promise<RegionalHealth>).call(sessions) : null;
}

/** `/healthz`, `/readyz`, and `/metrics` (404 here unless METRICS_TOKEN is set, then bearer-protected). */
export function opsRoutes(deps: AppDeps): Hono {
  const app = new Hono();
  // One canary key per instance, so instances sharing a store never contend for it.
  const canary = `readyz-canary:${randomUUID()}`;

  async function sessionStore(): Promise<Check> {
    // Sessions across regions (DATABASE_READ_URL): without the primary this instance still serves
    // existing sessions from its replica, so it stays ready, degraded, and says which server fails.
    const regional = regionalHealth(deps.sessions);
    let replica: RegionalHealth['replica'] = 'ok';
    if (regional) {
      await deps.sessions.ping();
      const health = await regional();
      if (health.primary !== 'ok') return health.replica === 'failing' ? { state: 'failing', reason: 'primary_and_replica_unreachable' } : { state: 'degraded', reason: 'primary_unreachable_read_only' };
      replica = health.replica;
    }
    try {
      if (!(await deps.sessions.acquireLease(canary, canary, CANARY_TTL_MS))) return { state: 'failing', reason: 'canary_not_written' };
      await deps.sessions.get(canary);
      await deps.sessions.releaseLease(canary, canary);
      return replica === 'ok' ? { state: 'ok' } : { state: 'degraded', reason: `replica_${replica}` };
    } catch (err) {
      return { state: 'failing', reason: classifyStoreError(err) };
    }
  }

  async function identityProvider(): Promise<Check> {
    const probe = await deps.auth.idpStatus();
    return probe.state === 'ok' ? { state: 'ok' } : { state: 'degraded', ...(probe.cause ? { reason: probe.cause } : {}) };
  }

  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.route('/', forwardedProbeRoutes(deps));

  app.get('/readyz', async (c) => {
    // First during a drain, before any check: the load balancer must stop sending requests here.
    if (deps.drain?.draining) return c.json({ status: 'draining', checks: {} }, 503, { connection: 'close' });
    const [store, idp] = await Promise.all([within(sessionStore), within(identityProvider)]);
    const spool = deps.auditSpool?.status();
    // Audit events waiting in the spool are kept, not lost: worth a look, not a reason to stop serving.
    const audit: Check | null = spool === undefined ? null : spool.pending > 0 || spool.lost > 0 ? { state: 'degraded', reason: spool.lost > 0 ? `lost_${spool.lost}` : `spooled_${spool.pending}` } : { state: 'ok' };
    const checks: Record<string, Check> = { sessionStore: store, identityProvider: idp, ...(audit ? { auditLog: audit } : {}) };
    const ready = store.state !== 'failing';
    const status = !ready ? 'not_ready' : Object.values(checks).every((check) => check.state === 'ok') ? 'ready' : 'degraded';
    const regional = regionalHealth(deps.sessions);
    const body = {
      status,
      ...(regional ? { sessionServers: await regional() } : {}),
      checks: Object.fromEntries(Object.entries(checks).map(([name, check]) => [name, check.state])),
      ...(Object.values(checks).some((check) => check.reason) ? { reasons: Object.fromEntries(Object.entries(checks).filter(([, check]) => check.reason).map(([name, check]) => [name, check.reason])) } : {}),
    };
    return c.json(body, ready ? 200 : 503);
  });

  // On the app port only behind METRICS_TOKEN; otherwise it lives on its own port (metrics-server.ts).
  const token = deps.config.metrics.token;
  const expected = token === null ? null : createHash('sha256').update(`Bearer ${token}`).digest();
  app.get('/metrics', async (c) => {
    if (!expected) return c.json({ error: { code: 'NOT_FOUND', message: 'Metrics are served on METRICS_PORT.' } }, 404);
    const given = createHash('sha256').update(c.req.header('authorization') ?? '').digest();
    if (!timingSafeEqual(given, expected)) return c.json({ error: { code: 'UNAUTHORIZED', message: 'Send Authorization: Bearer <METRICS_TOKEN>.' } }, 401, { 'WWW-Authenticate': 'Bearer' });
    const text = await deps.metrics.registry.metrics();
    return c.body(text, 200, { 'Content-Type': deps.metrics.registry.contentType });
  });

  return app;
}
