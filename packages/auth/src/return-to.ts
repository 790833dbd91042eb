/**
 * `returnTo` normalization: where a user goes after signing in. Only a same-origin relative path
 * survives; anything that a browser or a proxy could read as another origin falls back to the
 * home page. An open redirect here would turn our sign-in page into a phishing springboard.
 * @see RFC 9700 §4.11 (open redirection), OWASP Unvalidated Redirects and Forwards Cheat Sheet
 */

// A fixed, never-resolved origin to parse against: whatever resolves elsewhere is rejected.
const BASE = 'https://gatehouse.invalid';
// 2048 characters: longer than any real page URL of the app, short enough for any browser/proxy.
const MAX_LENGTH = 2048;

// Raw characters refused outright: C0/C1 controls and DEL (tabs and newlines are stripped by the URL
// parser, hiding `/\t/evil.com` = `//evil.com`), backslashes (browsers read `\` as `/`), and
// Unicode whitespace / format characters (bidi overrides, zero-width joiners) that disguise a URL.
const FORBIDDEN_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\\\s\p{Cf}\p{Zl}\p{Zp}]/u;
// Percent-encoded slashes, backslashes, dots-as-path and controls: some proxies and frameworks decode
// them before routing, which can turn a harmless-looking path into `//evil.com` or `/../`.
const FORBIDDEN_ENCODINGS = /%(2f|5c|2e|0[0-9a-f]|1[0-9a-f]|7f|25)/i;

/**
 * Returns `input` as a normalized same-origin path (`/path?query#hash`), or `fallback` when it is
 * not one: not a string, absolute or protocol-relative URLs, backslash tricks, encoded slashes,
 * control and invisible characters, `javascript:`/`data:` schemes, userinfo, dot-segment escapes,
 * and paths back into `/auth/` (which would loop the sign-in).
 */
export function normalizeReturnTo(input: unknown, fallback = '/'): string {
  if (typeof input !== 'string' || input.length === 0 || input.length > MAX_LENGTH) return fallback;
  // Only a path: one leading slash, not two (`//host` is protocol-relative).
  if (!input.startsWith('/') || input.startsWith('//')) return fallback;
  if (FORBIDDEN_CHARACTERS.test(input)) return fallback;
  // Encodings matter for routing only in the path; `?q=a%2Fb` is a legitimate query.
  const path = input.split(/[?#]/, 1)[0] ?? '';
  if (FORBIDDEN_ENCODINGS.test(path)) return fallback;

  const url = URL.parse(input, BASE);
  if (!url || url.origin !== BASE || url.username || url.password) return fallback;
  const normalized = `${url.pathname}${url.search}${url.hash}`;
  // Dot segments can collapse into a protocol-relative path (`/.//evil.com` → `//evil.com`).
  if (!normalized.startsWith('/') || normalized.startsWith('//')) return fallback;
  if (url.pathname === '/auth' || url.pathname.startsWith('/auth/')) return fallback;
  return normalized;
}
