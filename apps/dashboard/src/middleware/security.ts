/**
 * Response headers every Gatehouse response carries, and the CSRF check on state-changing
 * requests. Both are built once from config (origins are known at start-up).
 */
import type { MiddlewareHandler } from 'hono';
import { csrf } from 'hono/csrf';
import { HTTPException } from 'hono/http-exception';
import { secureHeaders } from 'hono/secure-headers';
import type { GatehouseConfig } from '../app-context.ts';

/** Thrown when a state-changing request did not come from one of our pages; rendered as a 403 page. */
export class CrossSiteRequestError extends HTTPException {
  readonly code = 'CROSS_SITE_REQUEST' as const;
  constructor() {
    super(403, { message: 'Cross-site request refused' });
  }
}

/**
 * Security headers (hono `secureHeaders`). The CSP allows no inline script at all; `form-action`
 * includes the IdP because sign-out is a form whose response redirects to Okta's logout page.
 * HSTS only when the app is served over https (on http it would be ignored or, worse, stick to
 * localhost for other dev servers).
 * @see https://owasp.org/www-project-secure-headers/
 */
export function securityHeaders(config: GatehouseConfig): MiddlewareHandler {
  const issuerOrigin = new URL(config.okta.issuer).origin;
  const https = config.appBaseUrl.startsWith('https:');
  return secureHeaders({
    contentSecurityPolicy: {
      defaultSrc: ["'self'"],
      // Live pages' scripts (htmx, its SSE extension, static/live.js) are files from our origin.
      scriptSrc: ["'self'"],
      // Their EventSource (GET /live) and region refreshes go to our origin only.
      connectSrc: ["'self'"],
      // Vega's SVG uses presentation attributes, not style attributes, so no 'unsafe-inline'.
      styleSrc: ["'self'"],
      imgSrc: ["'self'", 'data:'],
      objectSrc: ["'none'"],
      baseUri: ["'none'"],
      frameAncestors: ["'none'"],
      formAction: ["'self'", issuerOrigin],
    },
    // 1 year: the usual HSTS lifetime; includeSubDomains is left to the operator's domain policy.
    strictTransportSecurity: https ? 'max-age=31536000' : false,
    referrerPolicy: 'strict-origin-when-cross-origin',
    xContentTypeOptions: true,
    xFrameOptions: 'DENY',
    crossOriginOpenerPolicy: 'same-origin',
    crossOriginResourcePolicy: 'same-origin',
  });
}

/**
 * `Cache-Control: no-store` on everything but the stylesheet: pages show personal data, and a
 * shared cache or the back button must not reveal them after sign-out.
 */
export function cacheControl(): MiddlewareHandler {
  return async function noStore(c, next) {
    await next();
    if (!c.req.path.startsWith('/static/')) c.header('Cache-Control', 'no-store');
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
