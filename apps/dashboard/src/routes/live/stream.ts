/**
 * One open `GET /live` connection: a Server-Sent Events body with a bounded send buffer.
 *
 * The body is a plain `ReadableStream` whose queue is measured in bytes: `@hono/node-server` pulls
 * from it only while the socket drains, so a reader that stops reading leaves our queue full
 * (`desiredSize <= 0`). From then on events are dropped for it — never queued — and the first time
 * it reads again it gets one `reload` event, because the page missed something. Memory per
 * connection is therefore bounded by the buffer size whatever happens on the bus.
 * @see https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation
 */
import type { Role } from '../../app-context.ts';

/** What a stream's page may be told about, by the permission its regions need. */
export type LiveTopic = 'sessions' | 'audit' | 'activity';

/** Who holds the stream; copied from the session when it opened, updated by role changes. */
export interface StreamIdentity {
  sessionId: string;
  sub: string;
  roles: Role[];
  topics: ReadonlySet<LiveTopic>;
  /** Idle expiry (epoch ms) as last read from the store. */
  expiresAt: number;
  absoluteExpiresAt: number;
}

const encoder = new TextEncoder();

/** A heartbeat: an SSE comment, ignored by `EventSource`, that keeps proxies from timing out. */
const HEARTBEAT = encoder.encode(': heartbeat\n\n');

/**
 * One SSE frame. `data` is JSON (never empty: an event with no data is not dispatched); `id`
 * becomes the browser's `Last-Event-ID` on reconnect.
 * @see https://html.spec.whatwg.org/multipage/server-sent-events.html#dispatchMessage
 */
export function frame(event: string, data: Record<string, unknown>, id?: string): Uint8Array {
  return encoder.encode(`event: ${event}\n${id ? `id: ${id}\n` : ''}data: ${JSON.stringify(data)}\n\n`);
}

/** The queue's measure: bytes (one function for every stream). */
const byteLength = (chunk: Uint8Array) => chunk.byteLength;

/**
 * One connection. Created by the hub, which keeps the indexes; `onClose` runs exactly once. It is
 * its body's underlying source itself (`start`, `pull`, `cancel`), so a stream costs no closures.
 */
export class LiveStream implements UnderlyingDefaultSource<Uint8Array> {
  readonly body: ReadableStream<Uint8Array>;
  /** Epoch ms since the reader stopped keeping up, or `null` while it keeps up. */
  backedUpSince: number | null = null;
  closed = false;
  /** The hub's sequence number of the last event this page has seen or been told of. */
  seenSeq = 0;
  /** When the hub next re-reads this stream's session (epoch ms), and whether it is reading now. */
  checkAt = 0;
  checking = false;
  private controller!: ReadableStreamDefaultController<Uint8Array>;
  /** Events were dropped while the buffer was full: the page gets `reload` once it reads again. */
  private dropped = false;

  constructor(
    readonly identity: StreamIdentity,
    private readonly bufferBytes: number,
    private readonly onClose: (stream: LiveStream) => void,
  ) {
    this.body = new ReadableStream<Uint8Array>(this, { highWaterMark: bufferBytes, size: byteLength });
  }

  /** The body's underlying source: keeps the controller. */
  start(controller: ReadableStreamDefaultController<Uint8Array>): void {
    this.controller = controller;
  }

  /** Called whenever the reader has taken enough that the queue is below its bound again. */
  pull(): void {
    this.backedUpSince = null;
    if (this.dropped) {
      this.dropped = false;
      this.enqueue(frame('reload', { why: 'missed' }));
    }
  }

  /** The client went away (node-server cancels the body when the socket closes). */
  cancel(): void {
    this.finish();
  }

  /** Bytes waiting in our queue (0 while the reader keeps up). */
  get buffered(): number {
    return this.closed ? 0 : Math.max(0, this.bufferBytes - (this.controller.desiredSize ?? 0));
  }

  /** Whether the reader is behind: the buffer is full. */
  get full(): boolean {
    return (this.controller.desiredSize ?? 0) <= 0;
  }

  /** Sends an event, or drops it (remembering to send `reload`) when the reader is behind. */
  send(chunk: Uint8Array, now: number): void {
    if (this.closed) return;
    if (this.full) {
      this.dropped = true;
      this.backedUpSince ??= now;
      return;
    }
    this.enqueue(chunk);
  }

  /** A heartbeat, skipped when the reader is behind (it would only fill the buffer). */
  heartbeat(now: number): void {
    if (this.closed) return;
    if (this.full) {
      this.backedUpSince ??= now;
      return;
    }
    this.enqueue(HEARTBEAT);
  }

  /**
   * A last event (past the buffer bound by one small frame), then the end of the body. Used when
   * the session ends: the page must hear why even if it was behind.
   */
  end(last?: Uint8Array): void {
    if (this.closed) return;
    if (last) this.enqueue(last);
    try {
      this.controller.close();
    } catch {
      // Already closed or errored by the reader.
    }
    this.finish();
  }

  /** Tears the connection down without a last word (a reader stalled for too long). */
  abort(reason: string): void {
    if (this.closed) return;
    try {
      this.controller.error(new Error(reason));
    } catch {
      // Already closed.
    }
    this.finish();
  }

  private enqueue(chunk: Uint8Array): void {
    try {
      this.controller.enqueue(chunk);
    } catch {
      this.finish();
    }
  }

  private finish(): void {
    if (this.closed) return;
    this.closed = true;
    this.onClose(this);
  }
}
