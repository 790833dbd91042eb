/**
 * `GET /doctor/forwarded`: for `npm run doctor --url` only. With a valid doctor probe header
 * (a MAC keyed by SESSION_SECRET: only someone holding the app's configuration can ask) it shows
 * how the request arrived — the X-Forwarded-For entries, X-Forwarded-Proto, and the client
 * address the app derives with TRUST_PROXY_HOPS — so the doctor can say whether the hop count
 * matches the proxies really in front of the app. Anything else gets a plain 404.
 */
import { Hono } from 'hono';
import { clientAddressOf } from '@gatehouse/auth/hono';
import { PROBE_HEADER, PROBE_PATH, verifyProbeHeader, type ForwardedAnswer } from '@gatehouse/doctor';
import type { AppDeps } from '../../app-context.ts';

/** The probe route; mounted at the app's root. */
export function forwardedProbeRoutes(deps: AppDeps): Hono {
  const app = new Hono();
  app.get(PROBE_PATH, async (c) => {
    if (!(await verifyProbeHeader(c.req.header(PROBE_HEADER), deps.config.session.secrets))) return c.json({ error: 'not_found' }, 404);
    const header = c.req.header('x-forwarded-for') ?? null;
    const answer: ForwardedAnswer = {
      forwardedFor: (header ?? '').split(',').map((entry) => entry.trim()).filter(Boolean),
      forwardedProto: c.req.header('x-forwarded-proto') ?? null,
      trustProxyHops: deps.config.trustProxyHops,
      clientAddress: clientAddressOf(c, deps.config.trustProxyHops),
    };
    return c.json(answer, 200, { 'Cache-Control': 'no-store' });
  });
  return app;
}
