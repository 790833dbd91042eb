import type { EventHook } from '../directory/types.ts';

/** How long a hook endpoint has to answer, in ms. 3 s: Okta's limit before a delivery counts as failed. */
export const HOOK_TIMEOUT_MS = 3000;

/**
 * A header value the hook may be configured with: visible ASCII, spaces, tabs and obs-text, no
 * control characters — a CR or LF would split the header, and `Headers` refuses them anyway.
 * @see RFC 9110 §5.5 (field values)
 */
export const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

/** The headers Okta sends to a hook endpoint: its custom headers, then the configured auth header. */
export function hookHeaders(hook: Pick<EventHook, 'headers' | 'authScheme'>): Headers {
  const headers = new Headers({ Accept: 'application/json', 'User-Agent': 'Okta Event Hooks (gatehouse okta-emulator)' });
  for (const { key, value } of hook.headers) headers.set(key, value);
  if (hook.authScheme) headers.set(hook.authScheme.key, hook.authScheme.value);
  return headers;
}

/**
 * Why a hook call failed, for logs and API errors (never a header value: an error's message may
 * quote one — `Headers.set: "<value>" is an invalid header value` — so only codes and names are used).
 */
export function describeFailure(error: unknown): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) return `no answer within ${HOOK_TIMEOUT_MS} ms`;
  if (error instanceof Error) {
    const code = (error.cause as { code?: string } | undefined)?.code;
    return code ? `connection failed (${code})` : `connection failed (${error.name})`;
  }
  return 'connection failed';
}
