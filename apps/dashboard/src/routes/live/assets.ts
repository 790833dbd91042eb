/**
 * The scripts of live pages, served from our own origin (the CSP allows `script-src 'self'` and
 * nothing inline): htmx and its SSE extension from npm, and `static/live.js`, ours. Read once at
 * start-up; each URL carries a hash of its content, so a new release is never served stale.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Hono } from 'hono';

const require = createRequire(import.meta.url);

interface Asset {
  path: string;
  body: string;
  /** `path?v=<hash>`: what pages link to. */
  url: string;
}

function asset(path: string, file: string | URL): Asset {
  const body = readFileSync(file, 'utf8');
  const hash = createHash('sha256').update(body).digest('base64url').slice(0, 12);
  return { path, body, url: `${path}?v=${hash}` };
}

/** In load order: htmx, then its extension, then ours (all `defer`, so they run in this order). */
export const LIVE_SCRIPTS: readonly Asset[] = [
  asset('/static/htmx.min.js', require.resolve('htmx.org/dist/htmx.min.js')),
  asset('/static/htmx-sse.js', require.resolve('htmx-ext-sse/sse.js')),
  asset('/static/live.js', new URL('../../static/live.js', import.meta.url)),
];

/**
 * htmx settings for a strict CSP and for pages with personal data: no inline indicator styles,
 * no `eval` (`hx-on`, `js:`), no scripts from swapped HTML, requests to our origin only, and no
 * history snapshots (they would copy pages into localStorage).
 * @see https://htmx.org/docs/#csp-options
 */
export const HTMX_CONFIG = JSON.stringify({
  includeIndicatorStyles: false,
  allowEval: false,
  allowScriptTags: false,
  selfRequestsOnly: true,
  historyEnabled: false,
  historyCacheSize: 0,
});

/** `GET /static/<script>`: the live scripts, cacheable (their URLs change with their content). */
export function liveAssetRoutes(): Hono {
  const app = new Hono();
  for (const script of LIVE_SCRIPTS) {
    app.get(script.path, (c) => c.body(script.body, 200, { 'Content-Type': 'text/javascript; charset=utf-8', 'Cache-Control': 'public, max-age=86400' }));
  }
  return app;
}
