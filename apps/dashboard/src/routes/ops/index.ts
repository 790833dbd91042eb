/**
 * Operator endpoints: liveness (`/healthz`), readiness (`/readyz`: session store and IdP) and
 * Prometheus metrics (`/metrics`, on this port only with METRICS_TOKEN). JSON, no session needed, never cached.
 * @see ARCHITECTURE.md "Routes"
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { Hono } from 'hono';
import type { AppDeps } from '../../deps.ts';
import { forwardedProbeRoutes } from './forwarded.ts';

// 3 s: a probe must answer before Kubernetes' default 1–5 s probe timeout gives up on its own.
const READY_TIMEOUT_MS = 3000;

async function check(name: string, work: () => Promise<boolean>): Promise<{ name: string; ok: boolean }> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), READY_TIMEOUT_MS);
  });
  try {
    return { name, ok: await Promise.race([work().catch(() => false), timeout]) };
  } finally {
    clearTimeout(timer);
  }
}

/** `/healthz`, `/readyz`, and `/metrics` (404 here unless METRICS_TOKEN is set, then bearer-protected). */
export function opsRoutes(deps: AppDeps): Hono {
  const app = new Hono();

  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.route('/', forwardedProbeRoutes(deps));

  app.get('/readyz', async (c) => {
    const checks = await Promise.all([
      check('sessionStore', () => deps.sessions.ping()),
      check('identityProvider', () => deps.auth.ready()),
    ]);
    const ready = checks.every((entry) => entry.ok);
    const body = { status: ready ? 'ready' : 'not_ready', checks: Object.fromEntries(checks.map((entry) => [entry.name, entry.ok ? 'ok' : 'failing'])) };
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
