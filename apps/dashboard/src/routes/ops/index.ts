/**
 * Operator endpoints: liveness (`/healthz`), readiness (`/readyz`: session store and IdP) and
 * Prometheus metrics (`/metrics`). JSON, no session needed, never cached.
 * @see ARCHITECTURE.md "Routes"
 */
import { Hono } from 'hono';
import type { AppDeps } from '../../deps.ts';

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

/** `/healthz`, `/readyz`, `/metrics`. */
export function opsRoutes(deps: AppDeps): Hono {
  const app = new Hono();

  app.get('/healthz', (c) => c.json({ status: 'ok' }));

  app.get('/readyz', async (c) => {
    const checks = await Promise.all([
      check('sessionStore', () => deps.sessions.ping()),
      check('identityProvider', () => deps.auth.ready()),
    ]);
    const ready = checks.every((entry) => entry.ok);
    const body = { status: ready ? 'ready' : 'not_ready', checks: Object.fromEntries(checks.map((entry) => [entry.name, entry.ok ? 'ok' : 'failing'])) };
    return c.json(body, ready ? 200 : 503);
  });

  app.get('/metrics', async (c) => {
    const text = await deps.metrics.registry.metrics();
    return c.body(text, 200, { 'Content-Type': deps.metrics.registry.contentType });
  });

  return app;
}
