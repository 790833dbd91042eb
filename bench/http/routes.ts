/**
 * The per-request path (`npm run bench -- --only http`): the reference (bare Hono "hello"), then
 * the dashboard's routes, each loaded for the same seconds at 50 connections by the same load
 * generator, every figure a ratio to another of the same run:
 * - `/healthz` ≥ 0.80 × the reference;
 * - `/api/me` with a session cookie ≥ 0.60 × `/healthz`, with an Okta access token ≥ 0.50 ×;
 * - `/profile` ≥ 0.35 ×, `/dashboards` (a viewer) and `/admin` (an admin) ≥ 0.20 × `/healthz`;
 * - `/api/me` (cookie) p99 ≤ 2 × its p50.
 * Sessions come from real sign-ins, the access token from a real authorization-code flow.
 */
import { DEMO_USERS } from '../../packages/okta-emulator/src/index.ts';
import { ratio, type Row } from '../report.ts';
import { Child } from './child.ts';
import type { LoadGenerator } from './load.ts';
import { browser, signInOnce } from './sign-ins.ts';
import { measure, perCpuNote, rowOf, startEmulatorProcess, startServer } from './stack.ts';

interface Route {
  figure: string;
  path: string;
  headers: Record<string, string>;
  /** Lowest ratio to `/healthz`. */
  target: number;
}

const versus = (value: number, target: number, of: string, lower = false): Pick<Row, 'measure' | 'target' | 'met'> => ({
  measure: `${value.toFixed(2)}×`,
  target: `${lower ? '≤' : '≥'} ${target.toFixed(2)}× ${of}`,
  met: lower ? value <= target : value >= target,
});

/** Runs the routes benchmark with `load`; returns its rows. */
export async function benchRoutes(load: LoadGenerator): Promise<Row[]> {
  const rows: Row[] = [];
  const reference = Child.start<{ url: string }>(new URL('./reference.ts', import.meta.url), 'reference');
  const emulator = await startEmulatorProcess();
  try {
    const { url: referenceUrl } = await reference.ready;
    const hello = await measure(load, reference, { url: `${referenceUrl}/` });
    rows.push(rowOf('reference: bare Hono "hello"', hello, { measure: '1.00×' }));
    // The reference is done: stopped, so it takes no memory or timer wake-ups from the runs below.
    await reference.stop();

    const server = await startServer(emulator.issuer);
    try {
      const { viewer, admin } = DEMO_USERS;
      // /admin first asks for the admin role; its GET pages need no step-up (only its actions do),
      // so a plain sign-in of the admin (with the TOTP the emulator may ask for) is the real thing.
      const viewerCookie = (await signInOnce(server.target, browser({ username: viewer.login, password: viewer.password, totpSecret: viewer.totpSecret }))).cookie;
      const adminCookie = (await signInOnce(server.target, browser({ username: admin.login, password: admin.password, totpSecret: admin.totpSecret }), '/admin')).cookie;
      const bearer = await emulator.child.call<string>('accessToken', 'viewer');

      const healthz = await measure(load, server.child, { url: `${server.target.url}/healthz` });
      rows.push(rowOf('GET /healthz', healthz, { ...versus(ratio(healthz.rps, hello.rps), 0.8, 'reference'), note: perCpuNote(healthz, hello) }));

      const routes: Route[] = [
        { figure: 'GET /api/me (session cookie)', path: '/api/me', headers: { cookie: viewerCookie }, target: 0.6 },
        { figure: 'GET /api/me (Okta access token)', path: '/api/me', headers: { authorization: `Bearer ${bearer}` }, target: 0.5 },
        { figure: 'GET /profile (viewer)', path: '/profile', headers: { cookie: viewerCookie }, target: 0.35 },
        { figure: 'GET /dashboards (viewer)', path: '/dashboards', headers: { cookie: viewerCookie }, target: 0.2 },
        { figure: 'GET /admin (admin)', path: '/admin', headers: { cookie: adminCookie }, target: 0.2 },
      ];
      let me: Awaited<ReturnType<typeof measure>> | undefined;
      for (const route of routes) {
        const result = await measure(load, server.child, { url: `${server.target.url}${route.path}`, headers: route.headers });
        if (route === routes[0]) me = result;
        rows.push(rowOf(route.figure, result, { ...versus(ratio(result.rps, healthz.rps), route.target, '/healthz'), note: perCpuNote(result, healthz) }));
      }
      if (me) rows.push({ figure: 'GET /api/me (session cookie) p99 / p50', p50: me.p50, p99: me.p99, load: me.load, ...versus(me.p99 / me.p50, 2, 'its p50', true) });
    } finally {
      await server.stop();
    }
  } finally {
    await reference.stop();
    await emulator.child.stop();
  }
  return rows;
}
