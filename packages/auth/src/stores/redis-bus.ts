/**
 * The session-event bus across instances over Redis pub/sub (`REDIS_URL`). Two connections: a
 * dedicated subscriber (a connection in subscriber mode can send nothing else) and a publisher.
 * ioredis reconnects both by itself; the subscriber subscribes again after each reconnect (here,
 * not by ioredis's auto-resubscribe, so that `healthy()` and the reconnect report wait for Redis to
 * confirm), and each reconnect is reported because messages published meanwhile are lost (pub/sub
 * keeps nothing) and caches must drop what they hold.
 * @see https://redis.io/docs/latest/develop/interact/pubsub/ (at-most-once delivery)
 */
import { Redis } from 'ioredis';
import type { BusTransport } from '../events/bus.ts';

/** Options of {@link openRedisTransport}. */
export interface RedisTransportOptions {
  /** Channel every instance publishes on and listens to (default `gatehouse:events`); tests use one each. */
  channel?: string;
  /** `CLIENT SETNAME` of both connections (default `gatehouse-events`), so operators see them in `CLIENT LIST`. */
  connectionName?: string;
  /** Told about connection errors after start-up (ioredis reconnects by itself). */
  onError?: (error: Error) => void;
}

/**
 * Connects the publisher (checking Redis answers, so a wrong `REDIS_URL` fails at start-up) and
 * returns a transport whose `start` subscribes.
 */
export async function openRedisTransport(redisUrl: string, options: RedisTransportOptions = {}): Promise<BusTransport> {
  const channel = options.channel ?? 'gatehouse:events';
  const connectionName = options.connectionName ?? 'gatehouse-events';
  let closed = false;
  let starting = true;
  let cause: Error | undefined;
  const onError = (error: Error) => {
    if (starting) cause ??= error;
    else if (!closed) options.onError?.(error);
  };
  const common = {
    lazyConnect: true,
    connectionName,
    // 10 s to connect: a start-up against an unreachable host must fail with a message, not hang.
    connectTimeout: 10_000,
    // 0 retries per command: a publish during an outage rejects at once (the store already holds the truth).
    maxRetriesPerRequest: 0,
    // Reconnect quickly, then every 2 s at most: the bus is what makes revocations immediate.
    retryStrategy: (attempt: number) => Math.min(50 * 2 ** attempt, 2000),
  };
  const publisher = new Redis(redisUrl, common);
  const subscriber = new Redis(redisUrl, { ...common, autoResubscribe: false });
  let subscribed = false;
  subscriber.on('close', () => {
    subscribed = false;
  });
  publisher.on('error', onError);
  subscriber.on('error', onError);
  try {
    await publisher.connect();
    await publisher.ping();
  } catch (error) {
    publisher.disconnect();
    throw cause ?? error;
  }

  return {
    async send(message) {
      if (closed) throw new Error('Redis event transport is closed');
      await publisher.publish(channel, message);
    },
    async start(onMessage, onReconnect) {
      subscriber.on('message', (from: string, message: string) => {
        if (from === channel) onMessage(message);
      });
      try {
        await subscriber.connect();
        await subscriber.subscribe(channel);
      } catch (error) {
        subscriber.disconnect();
        throw cause ?? error;
      }
      subscribed = true;
      starting = false;
      // 'ready' fires again after each reconnect: subscribe, and report once Redis confirmed it.
      subscriber.on('ready', () => {
        if (closed) return;
        subscriber.subscribe(channel).then(
          () => {
            subscribed = true;
            onReconnect?.();
          },
          // The connection dropped again; the next 'ready' retries.
          (error: Error) => onError(error),
        );
      });
    },
    healthy: () => !closed && subscribed && publisher.status === 'ready' && subscriber.status === 'ready',
    async close() {
      if (closed) return;
      closed = true;
      await Promise.allSettled([subscriber.quit(), publisher.quit()]);
      subscriber.disconnect();
      publisher.disconnect();
    },
  };
}
