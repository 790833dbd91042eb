/**
 * The session-event bus across instances over PostgreSQL `LISTEN`/`NOTIFY` (`DATABASE_URL=postgres://…`).
 * A dedicated connection listens (a pooled one would be handed back and lose its `LISTEN`); when it
 * drops it is opened again with a growing delay, and each reconnect is reported because
 * notifications sent meanwhile are lost and caches must drop what they hold. Sends go through a
 * small pool of their own, so a publish does not wait for the listener to come back.
 * @see https://www.postgresql.org/docs/current/sql-notify.html (delivered after commit; 8000-byte payloads)
 */
import pg from 'pg';
import type { BusTransport } from '../events/bus.ts';

/** Options of {@link openPostgresTransport}. */
export interface PostgresTransportOptions {
  /**
   * Channel every instance notifies and listens on. Default: `gatehouse_events`, or
   * `gatehouse_events_<schema>` when the connection's current schema is not `public` (a
   * `search_path` in the URL), because channels are per database, not per schema.
   */
  channel?: string;
  /** `application_name` of the transport's connections (default `gatehouse-events`), seen in `pg_stat_activity`. */
  applicationName?: string;
  /** Told about connection errors after start-up (the listener reconnects by itself). */
  onError?: (error: Error) => void;
}

const CHANNEL = /^[a-z_][a-z0-9_]{0,62}$/;
// 7,999 bytes: PostgreSQL refuses a NOTIFY payload of 8,000 bytes or more.
const MAX_PAYLOAD_BYTES = 7999;
// 10 s: a start-up against an unreachable host must fail with a message, not hang.
const CONNECT_TIMEOUT_MS = 10_000;
// 50 ms doubling to 2 s: come back fast after a blip, without hammering a server that is down.
const retryDelay = (attempt: number) => Math.min(50 * 2 ** attempt, 2000);

/** The default channel for tables in `schema`. */
function channelFor(schema: string | null): string {
  if (schema === null || schema === 'public') return 'gatehouse_events';
  const name = `gatehouse_events_${schema.toLowerCase().replace(/[^a-z0-9_]/g, '_')}`;
  // 63: PostgreSQL's identifier limit; past it, a short hash keeps distinct schemas apart.
  return name.length <= 63 ? name : `${name.slice(0, 54)}_${hash(schema)}`;
}

/** 8 hex digits of FNV-1a: enough to tell schemas apart in a channel name. */
function hash(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h.toString(16).padStart(8, '0');
}

/**
 * Checks the server answers through the send pool (so a wrong `DATABASE_URL` fails at start-up)
 * and returns a transport whose `start` opens the listening connection.
 */
export async function openPostgresTransport(databaseUrl: string, options: PostgresTransportOptions = {}): Promise<BusTransport> {
  if (options.channel !== undefined && !CHANNEL.test(options.channel)) throw new TypeError('PostgreSQL event channel must be a lowercase identifier ([a-z_][a-z0-9_]*, at most 63)');
  const applicationName = options.applicationName ?? 'gatehouse-events';
  const connection = { connectionString: databaseUrl, application_name: applicationName, connectionTimeoutMillis: CONNECT_TIMEOUT_MS, keepAlive: true };
  // 2 connections: publishes are rare and short; they must not take the stores' connections.
  const pool = new pg.Pool({ ...connection, max: 2, idleTimeoutMillis: 30_000 });
  let closed = false;
  pool.on('error', (error) => {
    if (!closed) options.onError?.(error);
  });
  let channel: string;
  try {
    const { rows } = await pool.query<{ schema: string | null }>('SELECT current_schema() AS schema');
    channel = options.channel ?? channelFor(rows[0]?.schema ?? null);
  } catch (error) {
    await pool.end().catch(() => {});
    throw error;
  }

  let listener: pg.Client | null = null;
  let listening = false;
  let retry: ReturnType<typeof setTimeout> | undefined;

  /**
   * Opens the listening connection (`first`: at start-up, where a failure throws); after a drop or
   * a failed attempt, schedules the next one (`failures` in a row set the delay); reports each
   * reconnect once `LISTEN` is confirmed.
   */
  async function listen(onMessage: (message: string) => void, onReconnect: (() => void) | undefined, first: boolean, failures: number): Promise<void> {
    const client = new pg.Client(connection);
    let dropped = false;
    let connected = false;
    const drop = (error?: Error) => {
      if (dropped) return;
      dropped = true;
      if (listener === client) {
        listener = null;
        listening = false;
      }
      client.end().catch(() => {});
      // A start-up failure is thrown by start(), not retried.
      if (closed || (first && !connected)) return;
      if (error) options.onError?.(error);
      const next = connected ? 0 : failures + 1;
      retry = setTimeout(() => {
        listen(onMessage, onReconnect, false, next).catch(() => {});
      }, retryDelay(connected ? 0 : failures));
    };
    client.on('notification', (notification) => {
      if (notification.channel === channel && notification.payload !== undefined) onMessage(notification.payload);
    });
    client.on('error', (error) => drop(error));
    client.on('end', () => drop());
    try {
      await client.connect();
      await client.query(`LISTEN "${channel}"`);
    } catch (error) {
      if (first) {
        drop();
        throw error;
      }
      drop(error instanceof Error ? error : new Error(String(error)));
      return;
    }
    if (closed || dropped) {
      client.end().catch(() => {});
      return;
    }
    connected = true;
    listener = client;
    listening = true;
    if (!first) onReconnect?.();
  }

  return {
    async send(message) {
      if (closed) throw new Error('PostgreSQL event transport is closed');
      if (Buffer.byteLength(message) > MAX_PAYLOAD_BYTES) throw new RangeError(`Session event of ${Buffer.byteLength(message)} bytes exceeds NOTIFY's limit`);
      await pool.query('SELECT pg_notify($1, $2)', [channel, message]);
    },
    async start(onMessage, onReconnect) {
      // The first attempt throws, so a start-up failure is reported; later ones retry by themselves.
      await listen(onMessage, onReconnect, true, 0);
    },
    healthy: () => !closed && listening,
    async close() {
      if (closed) return;
      closed = true;
      clearTimeout(retry);
      const client = listener;
      listener = null;
      listening = false;
      await Promise.allSettled([client?.end(), pool.end()]);
    },
  };
}
