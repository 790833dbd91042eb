/**
 * Test support: a TCP proxy the test controls, standing in for a network fault between the app
 * and a server it needs (PostgreSQL, Redis, the IdP). `hold()` black-holes traffic (connections
 * stay open, no byte passes: a partition), `cut()` resets every connection and refuses new ones
 * (a crashed server), `restore()` ends either; held bytes of connections still open on both
 * sides are delivered in order.
 */
import net from 'node:net';

/** A running proxy from `127.0.0.1:port` to the target. */
export interface TcpProxy {
  /** The port it listens on (127.0.0.1). */
  readonly port: number;
  /** Stops forwarding in both directions; connections (new ones too) stay open, bytes queue up. */
  hold(): void;
  /** Lets requests through but holds the replies: the server acts, the client never hears (an ambiguous failure). */
  holdReplies(): void;
  /** Destroys every connection with a reset and resets new ones at once. */
  cut(): void;
  /**
   * Resets the connection that sends the next bytes, before they reach the server: what a client
   * sees when it reuses a keep-alive connection the server closed at the same moment.
   */
  resetNextRequest(): void;
  /** Forwards again: held bytes first, in order. */
  restore(): void;
  /** Connections currently open. */
  connections(): number;
  /** Connections with client bytes held back (requests waiting on the partition). */
  heldRequests(): number;
  close(): Promise<void>;
}

interface Link {
  client: net.Socket;
  upstream: net.Socket;
  toUpstream: Buffer[];
  toClient: Buffer[];
}

/** Starts a proxy to `target` (host and port; a function when the target starts after the proxy, e.g. a server told the proxy's URL). */
export async function startTcpProxy(target: { host?: string; port: number | (() => number) }): Promise<TcpProxy> {
  const links = new Set<Link>();
  let mode: 'open' | 'held' | 'replies-held' | 'cut' = 'open';
  let resetNext = false;

  const flush = (link: Link) => {
    for (const chunk of link.toUpstream.splice(0)) link.upstream.write(chunk);
    for (const chunk of link.toClient.splice(0)) link.client.write(chunk);
  };
  const destroy = (link: Link) => {
    links.delete(link);
    link.client.resetAndDestroy();
    link.upstream.destroy();
  };

  const server = net.createServer((client) => {
    if (mode === 'cut') {
      client.resetAndDestroy();
      return;
    }
    const upstream = net.connect({ host: target.host ?? '127.0.0.1', port: typeof target.port === 'function' ? target.port() : target.port });
    const link: Link = { client, upstream, toUpstream: [], toClient: [] };
    links.add(link);
    client.on('data', (chunk: Buffer) => {
      if (resetNext) {
        resetNext = false;
        destroy(link);
        return;
      }
      if (mode === 'open' || mode === 'replies-held') upstream.write(chunk);
      else link.toUpstream.push(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (mode === 'open') client.write(chunk);
      else link.toClient.push(chunk);
    });
    const end = () => {
      if (!links.has(link)) return;
      // While held, an end is part of the traffic being held: deliver it on restore.
      if (mode === 'held' || mode === 'replies-held') return;
      links.delete(link);
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end);
    upstream.on('close', end);
    client.on('error', () => {});
    upstream.on('error', () => {});
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as net.AddressInfo).port;

  return {
    port,
    hold() {
      mode = 'held';
    },
    holdReplies() {
      mode = 'replies-held';
    },
    resetNextRequest() {
      resetNext = true;
    },
    cut() {
      mode = 'cut';
      for (const link of [...links]) destroy(link);
    },
    restore() {
      mode = 'open';
      for (const link of [...links]) {
        // A side that gave up during the partition took its bytes with it (as TCP would): drop them.
        if (link.client.destroyed || link.upstream.destroyed) destroy(link);
        else flush(link);
      }
    },
    connections: () => links.size,
    heldRequests: () => [...links].filter((link) => link.toUpstream.length > 0).length,
    async close() {
      for (const link of [...links]) destroy(link);
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A port free on 127.0.0.1 right now, for a server that must be told its port before it starts. */
export async function freePort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', () => resolve()));
  const { port } = probe.address() as net.AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}
