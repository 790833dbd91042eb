/**
 * Response headers every Gatehouse response carries, and the CSRF check on state-changing
 * requests. Both are built once from config (origins are known at start-up).
 */
import type { MiddlewareHandler } from 'hono';
import { csrf } from 'hono/csrf';
import { HTTPException } from 'hono/http-exception';
import type { GatehouseConfig } from '../app-context.ts';

/** Thrown when a state-changing request did not come from one of our pages; rendered as a 403 page. */
export class CrossSiteRequestError extends HTTPException {
  readonly code = 'CROSS_SITE_REQUEST' as const;
  constructor() {
    super(403, { message: 'Cross-site request refused' });
  }
}

/** The Content-Security-Policy directives, in the order they are written. */
function contentSecurityPolicy(issuerOrigin: string): string {
  return [
    "default-src 'self'",
    // Live pages' scripts (htmx, its SSE extension, static/live.js) are files from our origin.
    "script-src 'self'",
    // Their EventSource (GET /live) and region refreshes go to our origin only.
    "connect-src 'self'",
    // Vega's SVG uses presentation attributes, not style attributes, so no 'unsafe-inline'.
    "style-src 'self'",
    "img-src 'self' data:",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    `form-action 'self' ${issuerOrigin}`,
  ].join('; ');
}

/**
 * The security headers of every response, as `[name, value]` pairs worked out once from config:
 * what hono's `secureHeaders` would set with these options (a test holds the two equal). The CSP
 * allows no inline script at all; `form-action` includes the IdP because sign-out is a form whose
 * response redirects to Okta's logout page. HSTS only when the app is served over https (on http
 * it would be ignored or, worse, stick to localhost for other dev servers).
 * @see https://owasp.org/www-project-secure-headers/
 */
export function securityHeaderList(config: GatehouseConfig): ReadonlyArray<readonly [string, string]> {
  const issuerOrigin = new URL(config.okta.issuer).origin;
  const https = config.appBaseUrl.startsWith('https:');
  return Object.freeze([
    ['Cross-Origin-Resource-Policy', 'same-origin'],
    ['Cross-Origin-Opener-Policy', 'same-origin'],
    ['Origin-Agent-Cluster', '?1'],
    ['Referrer-Policy', 'strict-origin-when-cross-origin'],
    // 1 year: the usual HSTS lifetime; includeSubDomains is left to the operator's domain policy.
    ...(https ? [['Strict-Transport-Security', 'max-age=31536000'] as const] : []),
    ['X-Content-Type-Options', 'nosniff'],
    ['X-DNS-Prefetch-Control', 'off'],
    ['X-Download-Options', 'noopen'],
    ['X-Frame-Options', 'DENY'],
    ['X-Permitted-Cross-Domain-Policies', 'none'],
    ['X-XSS-Protection', '0'],
    ['Content-Security-Policy', contentSecurityPolicy(issuerOrigin)],
  ] as const);
}

function apply(target: Headers, headers: ReadonlyArray<readonly [string, string]>, noStore: boolean): void {
  for (const [name, value] of headers) target.set(name, value);
  target.delete('X-Powered-By');
  if (noStore) target.set('Cache-Control', 'no-store');
}

/**
 * Security headers and `Cache-Control: no-store` on every response (one middleware, since both
 * run on every request). `no-store` on everything but `/static/`: pages show personal data, and a
 * shared cache or the back button must not reveal them after sign-out. Like `secureHeaders`, they
 * replace what a handler set.
 *
 * The strings are built once here, and written straight onto the response's own headers: going
 * through `c.header()` after the handler would copy the whole response (for a page, its body
 * converted again) once per header (docs/decisions/010).
 */
export function securityHeaders(config: GatehouseConfig): MiddlewareHandler {
  const headers = securityHeaderList(config);
  return async function securityHeaders(c, next) {
    await next();
    const noStore = !c.req.path.startsWith('/static/');
    try {
      apply(c.res.headers, headers, noStore);
    } catch {
      // Immutable headers (a redirect or fetched response): a mutable copy carries them instead.
      c.res = new Response(c.res.body, c.res);
      apply(c.res.headers, headers, noStore);
    }
  };
}

/**
 * CSRF check on unsafe methods (hono `csrf`): the `Origin` must be the app's own origin
 * (APP_BASE_URL, never derived from the request) or `Sec-Fetch-Site` must say same-origin.
 * Requests without either (old clients, curl) are refused.
 */
export function csrfProtection(config: GatehouseConfig): MiddlewareHandler {
  // Config keeps APP_BASE_URL as a bare origin (no path, no trailing slash).
  const appOrigin = config.appBaseUrl;
  const check = csrf({ origin: appOrigin, secFetchSite: 'same-origin' });
  return async function csrfGuard(c, next) {
    try {
      await check(c, async () => {});
    } catch (err) {
      if (err instanceof HTTPException && err.status === 403) throw new CrossSiteRequestError();
      throw err;
    }
    // hono's csrf only checks form-like content types; our state-changing routes accept only
    // forms, so any other body type from a page we did not serve is refused as well.
    if (!/^(GET|HEAD|OPTIONS)$/.test(c.req.method) && !isFormRequest(c.req.header('content-type'))) {
      const origin = c.req.header('origin');
      if (origin !== appOrigin && c.req.header('sec-fetch-site') !== 'same-origin') throw new CrossSiteRequestError();
    }
    await next();
  };
}

function isFormRequest(contentType: string | undefined): boolean {
  return contentType === undefined || /^(application\/x-www-form-urlencoded|multipart\/form-data|text\/plain)\b/i.test(contentType);
}
