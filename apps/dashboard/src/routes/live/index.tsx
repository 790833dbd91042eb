/**
 * `GET /live` (Server-Sent Events for signed-in pages) and `GET /signed-out` (where a page goes
 * when the stream says its session ended).
 *
 * `/live` is authenticated by the session cookie only — never a token in the URL — and answers
 * only our own pages (`Origin` or `Sec-Fetch-Site`): 403 cross-site, 401 without a session, 429
 * past the per-session or per-instance stream limit, always before any event is sent.
 * @see ARCHITECTURE.md "Routes" (`GET /live`)
 */
import { Hono, type MiddlewareHandler } from 'hono';
import type { AuthEnv, Role, AppDeps } from '../../app-context.ts';
import { SignedOutPage, signedOutReason } from './signed-out.tsx';
import type { LiveCursor, LiveHub } from './hub.ts';
import { LIVE_CURSOR } from './region.tsx';

/**
 * `Last-Event-ID` as this hub writes it (`<epoch ms>-<uuid>`), or `null` for anything else: a
 * malformed id is ignored, as if the browser had sent none.
 */
export function parseLastEventId(value: string | undefined): LiveCursor | null {
  if (value === undefined) return null;
  const match = /^(\d{1,15})-([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/.exec(value.trim());
  return match ? { at: Number(match[1]), id: match[2]! } : null;
}

/**
 * Records where the live events stand as each request begins (read by the layout through
 * `hono/context-storage`), so the page's stream replays exactly what happened while it was made.
 */
export function liveCursorMiddleware(hub: LiveHub): MiddlewareHandler {
  return async function liveCursor(c, next) {
    c.set(LIVE_CURSOR as never, hub.cursor() as never);
    await next();
  };
}

/** `?since=<epoch ms>`: when the page's data was read; anything else is ignored. */
export function parseSince(value: string | undefined): LiveCursor | null {
  if (value === undefined || !/^\d{1,15}$/.test(value)) return null;
  return { at: Number(value), id: null };
}

/**
 * `?roles=admin,viewer`: the roles the page was rendered with, each one the project's RBAC table
 * knows (the core roles and every app's); `null` when absent, too long or naming another role.
 */
export function parseRoles(value: string | undefined, known: readonly Role[]): Role[] | null {
  // 1 KiB: every role of a project with dozens of apps, and no more.
  if (value === undefined || value.length > 1024) return null;
  const roles = value.split(',').filter(Boolean);
  return roles.every((role): role is Role => known.includes(role as Role)) ? roles : null;
}

/** Same rule as the sign-out form's CSRF check: our origin in `Origin`, else `Sec-Fetch-Site: same-origin`. */
function fromOurPage(request: Request, appBaseUrl: string): boolean {
  const origin = request.headers.get('origin');
  if (origin !== null) return origin === appBaseUrl;
  return request.headers.get('sec-fetch-site') === 'same-origin';
}

const jsonError = (status: number, code: string, message: string, headers: Record<string, string> = {}) =>
  Response.json({ error: { code, message } }, { status, headers: { 'cache-control': 'no-store', ...headers } });

/** The live routes, mounted at `/`. */
export function liveRoutes(deps: AppDeps): Hono<AuthEnv> {
  const app = new Hono<AuthEnv>();

  app.get('/live', async (c) => {
    const auth = c.get('caller');
    if (!fromOurPage(c.req.raw, deps.config.appBaseUrl)) {
      await deps.auth.audit({
        type: 'access.denied',
        result: 'failure',
        reason: 'cross_site_request',
        ...(auth.user ? { sub: auth.user.sub, ...(auth.user.email ? { email: auth.user.email } : {}) } : {}),
        ...(auth.session ? { sessionId: auth.session.id } : {}),
        detail: { path: '/live' },
      });
      return jsonError(403, 'CROSS_SITE_REQUEST', 'Live updates are only sent to pages of this site.');
    }
    if (!auth.isAuthenticated || !auth.user || !auth.session || auth.via !== 'session') {
      return jsonError(401, 'AUTH_UNAUTHENTICATED', 'Sign in to receive live updates.');
    }
    const cursor = parseLastEventId(c.req.header('last-event-id')) ?? parseLastEventId(c.req.query('cursor')) ?? parseSince(c.req.query('since'));
    const opened = deps.live.open(
      {
        sessionId: auth.session.id,
        sub: auth.user.sub,
        roles: auth.roles,
        expiresAt: auth.session.expiresAt.getTime(),
        absoluteExpiresAt: auth.session.absoluteExpiresAt.getTime(),
      },
      { cursor, pageRoles: parseRoles(c.req.query('roles'), deps.auth.rbac.roles) },
    );
    if (!opened.ok) {
      deps.logger.info({ code: opened.code, status: opened.status }, 'live stream refused');
      // 30 s: long enough for another tab to close; the page's script backs off further on repeats.
      return jsonError(opened.status, opened.code, opened.message, { 'retry-after': '30' });
    }
    return new Response(opened.body, {
      status: 200,
      headers: {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        // nginx (and the ingress-nginx controller) would otherwise buffer the stream.
        'x-accel-buffering': 'no',
      },
    });
  });

  app.get('/signed-out', (c) => {
    const auth = c.get('caller');
    const returnTo = c.req.query('returnTo');
    const safeReturnTo = returnTo && /^\/(?![/\\])[^\s]{0,512}$/.test(returnTo) ? returnTo : '/';
    // Signed in after all (a new sign-in in another tab): nothing to explain, carry on.
    if (auth.isAuthenticated) return c.redirect(safeReturnTo, 303);
    return c.html(<SignedOutPage reason={signedOutReason(c.req.query('reason'))} returnTo={safeReturnTo} />);
  });

  return app;
}
