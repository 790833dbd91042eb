/**
 * The doctor's proof to the running app that it holds the app's own configuration: a MAC over a
 * timestamp, keyed by SESSION_SECRET. With it the app's `/doctor/forwarded` answer shows what a
 * request through the proxies looks like on arrival (so `TRUST_PROXY_HOPS` can be checked);
 * without it that route is a 404. The answer holds no secret either way.
 */
import { timingSafeEqual } from 'node:crypto';

/** Header carrying `<unix seconds>.<base64url HMAC-SHA256>`. */
export const PROBE_HEADER = 'x-gatehouse-doctor';
/** Path of the app's probe route. */
export const PROBE_PATH = '/doctor/forwarded';
/** The X-Forwarded-For entry the doctor sends itself (TEST-NET-2): if the app takes it for the client, the chain is trusted too far. */
export const PROBE_CANARY_ADDRESS = '198.51.100.77';
// 120 s: covers a doctor host whose clock is off by up to the 60 s the IdP tolerates, plus transit.
const PROBE_WINDOW_SECONDS = 120;

/** What the app's probe route answers. */
export interface ForwardedAnswer {
  /** The `X-Forwarded-For` entries as they arrived. */
  forwardedFor: string[];
  /** `X-Forwarded-Proto` as it arrived, or null. */
  forwardedProto: string | null;
  trustProxyHops: number;
  /** The client address the app derives from them (what rate limits and the audit log use). */
  clientAddress: string | null;
}

async function mac(secret: string, timestamp: string): Promise<Buffer> {
  const key = await crypto.subtle.importKey('raw', new TextEncoder().encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  return Buffer.from(await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(`gatehouse-doctor-probe:${timestamp}`)));
}

/** The header value for a probe sent now, keyed by the first session secret. */
export async function probeHeader(secret: string, nowMs = Date.now()): Promise<string> {
  const timestamp = String(Math.floor(nowMs / 1000));
  return `${timestamp}.${(await mac(secret, timestamp)).toString('base64url')}`;
}

/** Whether `value` is a fresh probe header made with one of `secrets` (rotation: any of them). */
export async function verifyProbeHeader(value: string | undefined, secrets: readonly string[], nowMs = Date.now()): Promise<boolean> {
  const match = /^(\d{1,12})\.([A-Za-z0-9_-]{43})$/.exec(value ?? '');
  if (!match) return false;
  const [, timestamp = '', tag = ''] = match;
  if (Math.abs(Number(timestamp) - nowMs / 1000) > PROBE_WINDOW_SECONDS) return false;
  const given = Buffer.from(tag, 'base64url');
  let ok = false;
  for (const secret of secrets) {
    const expected = await mac(secret, timestamp);
    // Every secret is tried, so the time taken does not say which one matched.
    if (expected.length === given.length && timingSafeEqual(expected, given)) ok = true;
  }
  return ok;
}
