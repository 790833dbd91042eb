/**
 * Test helper: reads Server-Sent Events from a `Response` body as `EventSource` would parse them
 * (event, data, id; comments skipped), one at a time, with a bound on how long to wait.
 * @see https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation
 */

/** One dispatched event. */
export interface SseMessage {
  event: string;
  data: string;
  id: string | null;
}

/** Reads `response`'s events; `close()` cancels the body (the client going away). */
export class SseReader {
  private readonly reader: ReadableStreamDefaultReader<Uint8Array>;
  private readonly decoder = new TextDecoder();
  private buffer = '';
  private ended = false;
  /** The read in flight: kept across timeouts, so no chunk is ever read and dropped. */
  private pending: Promise<ReadableStreamReadResult<Uint8Array>> | null = null;
  /** Every `retry:` value seen. */
  readonly retries: number[] = [];
  /** Heartbeat comments seen. */
  comments = 0;

  constructor(response: Response) {
    if (!response.body) throw new Error('the response has no body');
    this.reader = response.body.getReader();
  }

  /** Whether the server ended the stream. */
  get done(): boolean {
    return this.ended;
  }

  /** The next event, or `null` when the stream ends first; throws after `timeoutMs` without one. */
  async next(timeoutMs = 5000): Promise<SseMessage | null> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const message = this.take();
      if (message) return message;
      if (this.ended) return null;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no server-sent event within ${timeoutMs} ms (buffered: ${JSON.stringify(this.buffer)})`);
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), left);
      });
      this.pending ??= this.reader.read();
      const read = await Promise.race([this.pending, timeout]);
      clearTimeout(timer);
      if (read === 'timeout') continue;
      this.pending = null;
      if (read.done) this.ended = true;
      else this.buffer += this.decoder.decode(read.value, { stream: true });
    }
  }

  /** Events until one named `event` (returned); throws if the stream ends without it. */
  async until(event: string, timeoutMs = 5000): Promise<SseMessage> {
    for (;;) {
      const message = await this.next(timeoutMs);
      if (!message) throw new Error(`the stream ended before a "${event}" event`);
      if (message.event === event) return message;
    }
  }

  /** Everything the server sends within `ms` (for "nothing is sent" checks), and whether it ended. */
  async drain(ms: number): Promise<SseMessage[]> {
    const out: SseMessage[] = [];
    const deadline = Date.now() + ms;
    for (;;) {
      const left = deadline - Date.now();
      if (left <= 0) return out;
      try {
        const message = await this.next(left);
        if (!message) return out;
        out.push(message);
      } catch {
        return out;
      }
    }
  }

  async close(): Promise<void> {
    await this.reader.cancel().catch(() => {});
  }

  private take(): SseMessage | null {
    for (;;) {
      const end = this.buffer.indexOf('\n\n');
      if (end < 0) return null;
      const block = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 2);
      let event = 'message';
      let id: string | null = null;
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) {
          this.comments++;
          continue;
        }
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'event') event = value;
        else if (field === 'data') data.push(value);
        else if (field === 'id') id = value;
        else if (field === 'retry' && /^\d+$/.test(value)) this.retries.push(Number(value));
      }
      if (data.length > 0) return { event, data: data.join('\n'), id };
    }
  }
}
