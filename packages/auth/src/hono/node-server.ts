/**
 * What the Hono adapter needs from its server, `@hono/node-server`, and nothing else: the socket's
 * peer address (`c.env.incoming.socket.remoteAddress`), which a Web `Request` does not carry. The
 * adapter turns it into the {@link RequestFacts} the core's calls take.
 */
import type { Context } from 'hono';
import { resolveClientAddress, type RequestFacts } from '../request-summary.ts';

/** The bindings `@hono/node-server` gives a request (`c.env`): the Node request and its socket. */
interface NodeServerBindings {
  incoming?: { socket?: { remoteAddress?: string } };
}

/** The client address of a request served by `@hono/node-server`, trusting `trustProxyHops` proxies. */
export function clientAddressOf(c: Context, trustProxyHops: number): string | null {
  const env = c.env as NodeServerBindings | undefined;
  return resolveClientAddress(env?.incoming?.socket?.remoteAddress, c.req.header('x-forwarded-for'), trustProxyHops);
}

/** What the core's calls are told about `c` beyond its Web request. */
export function requestFactsOf(c: Context, trustProxyHops: number): RequestFacts {
  return { clientAddress: clientAddressOf(c, trustProxyHops) };
}
