import { randomBytes } from 'node:crypto';
import type { EventHook } from '../directory/types.ts';
import { describeFailure, HOOK_TIMEOUT_MS, hookHeaders } from './request.ts';

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

/**
 * Okta's one-time verification: a GET to the hook URL with a random
 * `X-Okta-Verification-Challenge` header, which the endpoint must echo back as
 * `{ "verification": "<challenge>" }` within the timeout.
 * @see https://developer.okta.com/docs/concepts/event-hooks/#one-time-verification-request
 */
export async function verifyEventHookEndpoint(
  hook: Pick<EventHook, 'url' | 'headers' | 'authScheme'>,
  options: { fetch?: typeof fetch; allowedHosts?: string[] } = {},
): Promise<{ verified: true } | { verified: false; reason: string }> {
  const host = URL.parse(hook.url)?.hostname.toLowerCase() ?? '';
  // Only this machine, or hosts the emulator was told about: a hook must not turn it into a scanner of its network.
  if (!LOOPBACK_NAMES.has(host) && !(options.allowedHosts ?? []).some((allowed) => allowed.toLowerCase() === host)) {
    return { verified: false, reason: `${host} is neither loopback nor one of the emulator's eventHookHosts (--hook-host)` };
  }
  const challenge = randomBytes(24).toString('base64url');
  let response: Response;
  try {
    // Inside the try: a stored header value `Headers` refuses is this hook's failure, not a crash.
    const headers = hookHeaders(hook);
    headers.set('X-Okta-Verification-Challenge', challenge);
    response = await (options.fetch ?? fetch)(hook.url, { method: 'GET', headers, redirect: 'manual', signal: AbortSignal.timeout(HOOK_TIMEOUT_MS) });
  } catch (error) {
    return { verified: false, reason: describeFailure(error) };
  }
  if (!response.ok) {
    await response.body?.cancel();
    return { verified: false, reason: `the endpoint answered HTTP ${response.status}` };
  }
  let body: unknown;
  try {
    body = await response.json();
  } catch {
    return { verified: false, reason: 'the endpoint did not answer with JSON' };
  }
  const echoed = (body as { verification?: unknown } | null)?.verification;
  return echoed === challenge ? { verified: true } : { verified: false, reason: 'the endpoint did not echo the verification challenge' };
}
