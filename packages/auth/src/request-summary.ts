/**
 * The short, non-identifying summaries of a request that sessions (the admin panel's "where") and
 * audit events carry: the client's network and the browser. A Web `Request` has no client address,
 * so the server adapter resolves it ({@link resolveClientAddress}) and passes it in the call
 * ({@link RequestFacts}), as `auth.login(request, { clientAddress })`.
 */
import type { AuditEvent } from './types.ts';

/** What the server adapter knows about a request that a Web `Request` does not carry. */
export interface RequestFacts {
  /** The client's address (the socket peer, or per `TRUST_PROXY_HOPS`); absent or null when unknown. */
  clientAddress?: string | null;
}

/**
 * The client's address: the socket peer, or — behind `trustProxyHops` reverse proxies we run —
 * the entry that many places from the right of `X-Forwarded-For` (each proxy appends the address
 * it saw, so entries further left are whatever the client chose to send and are never used).
 * A request with fewer entries than trusted hops did not come through the proxies: its peer counts.
 */
export function resolveClientAddress(peer: string | null | undefined, forwardedFor: string | null | undefined, trustProxyHops: number): string | null {
  if (trustProxyHops <= 0 || !forwardedFor) return peer ?? null;
  const chain = forwardedFor.split(',').map((entry) => entry.trim()).filter(Boolean);
  const client = withoutPort(chain[chain.length - trustProxyHops]);
  return client && /^[0-9a-fA-F:.]{2,45}$/.test(client) ? client : peer ?? null;
}

/** `203.0.113.5:4711` → `203.0.113.5`, `[2001:db8::1]:443` → `2001:db8::1`: a port must not make a new client. */
function withoutPort(entry: string | undefined): string | undefined {
  if (!entry) return entry;
  const bracketed = /^\[([0-9a-fA-F:.]+)\](?::\d{1,5})?$/.exec(entry);
  if (bracketed) return bracketed[1];
  const v4 = /^(\d{1,3}(?:\.\d{1,3}){3}):\d{1,5}$/.exec(entry);
  return v4 ? v4[1] : entry;
}

/** A client address summarized to a network ("203.0.113.0/24", "2001:db8:1::/48"); null when unknown. */
export function clientNetwork(address: string | null | undefined): string | null {
  if (!address) return null;
  // Loopback is one machine, not a network: say so rather than "::/48".
  if (address === '::1' || /^(?:::ffff:)?127\./.test(address)) return 'localhost';
  const v4 = /^(?:::ffff:)?(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.\d{1,3}$/.exec(address);
  // /24 and /48: enough to recognise a network in the admin panel without identifying a person.
  if (v4) return `${v4[1]}.${v4[2]}.${v4[3]}.0/24`;
  if (address.includes(':')) {
    const groups = address.split('::')[0]!.split(':').slice(0, 3).filter(Boolean);
    return `${groups.join(':')}::/48`;
  }
  return null;
}

/** "Firefox on Linux"-style summary of the User-Agent header; null when absent. */
export function summarizeUserAgent(request: Request): string | null {
  const ua = request.headers.get('user-agent');
  if (!ua) return null;
  const browser =
    /Edg\//.test(ua) ? 'Edge' :
    /Firefox\//.test(ua) ? 'Firefox' :
    /Chrom(e|ium)\//.test(ua) ? 'Chrome' :
    /Safari\//.test(ua) ? 'Safari' :
    /^curl\//.test(ua) ? 'curl' :
    /^node|undici/i.test(ua) ? 'Node.js' : 'Other browser';
  const os =
    /Android/.test(ua) ? 'Android' :
    /iPhone|iPad|iOS/.test(ua) ? 'iOS' :
    /Windows/.test(ua) ? 'Windows' :
    /Mac OS X|Macintosh/.test(ua) ? 'macOS' :
    /Linux|X11/.test(ua) ? 'Linux' : null;
  return os ? `${browser} on ${os}` : browser;
}

/** The request fields every auth audit event carries: the client's network and browser, when known. */
export function requestFields(request: Request, facts: RequestFacts = {}): Pick<AuditEvent, 'ip' | 'userAgent'> {
  const ip = clientNetwork(facts.clientAddress);
  const userAgent = summarizeUserAgent(request);
  return { ...(ip ? { ip } : {}), ...(userAgent ? { userAgent } : {}) };
}
