/**
 * Graceful drain of the HTTP server on SIGTERM: readiness turns 503 at once, the listener closes
 * (after `SHUTDOWN_DELAY`), every request already received is answered with `Connection: close`,
 * idle keep-alive connections are closed, and whatever still runs at the deadline is answered with
 * a retryable 503 instead of a reset connection. Stores close only after all of that.
 */
import type { ServerType } from '@hono/node-server';

/** What the rest of the app reads about the drain (`/readyz`, long-lived responses). */
export interface DrainState {
  /** True from the start of the drain: `/readyz` answers 503 so load balancers stop routing here. */
  readonly draining: boolean;
  /** Aborted when the drain starts: long-lived responses (Server-Sent Events) end on it. */
  readonly signal: AbortSignal;
}

type Fetch = (request: Request, env?: unknown) => Response | Promise<Response>;

interface Pending {
  answer(response: Response): void;
  request: Request;
}

/** What {@link DrainController.drain} reports, for the stop log line. */
export interface DrainReport {
  /** Requests still running at the deadline, answered with a 503. */
  interrupted: number;
  /** Whether every connection ended before the deadline. */
  clean: boolean;
  ms: number;
}

/** Options of {@link DrainController.drain}. */
export interface DrainOptions {
  /** The whole budget, from the start of the drain, for the HTTP part (ms). */
  timeoutMs: number;
  /** How long to keep accepting with readiness at 503 first (ms). */
  delayMs: number;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)).unref());
// 500 ms: enough for the interrupted requests' 503s to be written before their sockets are destroyed.
const INTERRUPT_FLUSH_MS = 500;

/** Marks a response as the last on its connection (headers of fetched or redirect responses are immutable, so copy). */
function lastOnConnection(response: Response): Response {
  try {
    response.headers.set('connection', 'close');
    return response;
  } catch {
    const copy = new Response(response.body, response);
    copy.headers.set('connection', 'close');
    return copy;
  }
}

/**
 * Tracks the requests in flight and drains a server. One per running dashboard:
 * `wrap(app.fetch)` is what the server listens with.
 */
export class DrainController implements DrainState {
  readonly #abort = new AbortController();
  readonly #pending = new Set<Pending>();
  readonly #interrupted: (request: Request) => Response;
  #draining = false;
  #pastDeadline = false;

  /** `interrupted` renders the 503 for a request still running at the deadline (or arriving after it). */
  constructor(interrupted: (request: Request) => Response) {
    this.#interrupted = interrupted;
  }

  get draining(): boolean {
    return this.#draining;
  }

  get signal(): AbortSignal {
    return this.#abort.signal;
  }

  /** Requests received and not yet answered. */
  get inFlight(): number {
    return this.#pending.size;
  }

  /** The fetch handler the server listens with: counts requests, and answers with `Connection: close` once draining. */
  wrap(fetch: Fetch): Fetch {
    // One promise per request, settled by whichever comes first: the app's response or the
    // deadline's 503 (`answer`). Every request crosses this, so no race, then or finally chain.
    return (request, env) => {
      if (this.#pastDeadline) return lastOnConnection(this.#interrupted(request));
      return new Promise<Response>((resolve, reject) => {
        const pending: Pending = {
          request,
          answer: (response) => {
            this.#pending.delete(pending);
            resolve(this.#draining ? lastOnConnection(response) : response);
          },
        };
        this.#pending.add(pending);
        const failed = (err: unknown) => {
          this.#pending.delete(pending);
          reject(err);
        };
        // A handler that throws synchronously rejects, like one that fails later.
        try {
          Promise.resolve(fetch(request, env)).then(pending.answer, failed);
        } catch (err) {
          failed(err);
        }
      });
    };
  }

  /**
   * Drains `server`: readiness 503 and `signal` aborted now; the listener closes after `delayMs`;
   * idle keep-alive connections close; requests in flight finish (their responses close their
   * connections). At `timeoutMs` whatever still runs is answered with the 503 and every remaining
   * connection is destroyed. Resolves when no connection is left.
   */
  async drain(server: ServerType, options: DrainOptions): Promise<DrainReport> {
    const started = Date.now();
    this.#draining = true;
    this.#abort.abort();
    const http = server as ServerType & { closeIdleConnections?: () => void; closeAllConnections?: () => void };
    if (options.delayMs > 0) await sleep(Math.min(options.delayMs, options.timeoutMs));
    const closed = new Promise<void>((resolve) => {
      http.close(() => resolve());
    });
    http.closeIdleConnections?.();
    const remaining = options.timeoutMs - (Date.now() - started);
    const clean = await Promise.race([closed.then(() => true), sleep(remaining).then(() => false)]);
    let interrupted = 0;
    if (!clean) {
      this.#pastDeadline = true;
      interrupted = this.#pending.size;
      for (const pending of this.#pending) pending.answer(this.#interrupted(pending.request));
      await Promise.race([closed, sleep(INTERRUPT_FLUSH_MS)]);
      http.closeAllConnections?.();
      await closed;
    }
    return { interrupted, clean, ms: Date.now() - started };
  }
}
