/**
 * CSRF protection for state-changing auth routes (logout): the request must come from our own
 * origin, as told by `Origin` or, failing that, `Sec-Fetch-Site`. A request with neither is
 * refused too — every browser that can submit our forms sends at least one of them.
 * `appBaseUrl` is config's, already a bare origin (`scheme://host[:port]`), so it compares as is.
 * @see OWASP CSRF Prevention Cheat Sheet ("Verifying Origin with standard headers", "Fetch Metadata")
 */
export function isSameOriginRequest(request: Request, appBaseUrl: string): boolean {
  const origin = request.headers.get('origin');
  // `Origin: null` (sandboxed frames, some redirects) is not our origin.
  if (origin !== null) return origin === appBaseUrl;
  const site = request.headers.get('sec-fetch-site');
  if (site !== null) return site === 'same-origin';
  return false;
}
