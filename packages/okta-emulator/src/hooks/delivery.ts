import type { Directory } from '../directory/directory.ts';
import type { DirectoryEvent, EventHook } from '../directory/types.ts';
import { eventHookDelivery, systemLogEvent } from './format.ts';
import { describeFailure, HOOK_TIMEOUT_MS, hookHeaders } from './request.ts';

/** Options of {@link startEventHooks}. */
export interface EventHookOptions {
  /** Waits before each retry; default 1 s, 4 s, 16 s (three retries with backoff). */
  retryDelaysMs?: number[];
  /** The fetch used for deliveries (tests may pass one bound to a dispatcher). */
  fetch?: typeof fetch;
  /** The org's base URL, for the delivery's `source`. */
  orgUrl?: string;
  /** Called once per failed attempt; the message never holds a header value. */
  onDeliveryFailure?: (failure: { hookId: string; eventType: string; attempt: number; willRetry: boolean; reason: string }) => void;
}

const DEFAULT_RETRY_DELAYS_MS = [1000, 4000, 16000];

/**
 * Deliver directory events to the registered Event Hooks: every event goes, in Okta's
 * delivery format, to each hook that is ACTIVE, VERIFIED and subscribed to its type, with the
 * hook's auth and custom headers. A failed attempt (non-2xx, connection error, timeout) is
 * retried after each delay in `retryDelaysMs`; failures are reported, never thrown.
 * `close()` stops listening, cancels pending retries and waits for attempts in flight.
 * @see https://developer.okta.com/docs/concepts/event-hooks/
 */
export function startEventHooks(directory: Directory, options: EventHookOptions = {}): { close(): Promise<void> } {
  const retryDelays = options.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS;
  const doFetch = options.fetch ?? fetch;
  const orgUrl = options.orgUrl ?? 'http://localhost/';
  const closing = new AbortController();
  const inFlight = new Set<Promise<void>>();

  const attempt = async (hook: EventHook, body: string): Promise<string | null> => {
    try {
      // Inside the try: a header value `Headers` refuses is reported like any failed attempt.
      const headers = hookHeaders(hook);
      headers.set('Content-Type', 'application/json');
      const response = await doFetch(hook.url, {
        method: 'POST',
        headers,
        body,
        redirect: 'manual',
        signal: AbortSignal.any([closing.signal, AbortSignal.timeout(HOOK_TIMEOUT_MS)]),
      });
      await response.body?.cancel();
      return response.ok ? null : `the endpoint answered HTTP ${response.status}`;
    } catch (error) {
      return describeFailure(error);
    }
  };

  const deliver = async (hook: EventHook, event: DirectoryEvent, body: string): Promise<void> => {
    for (let index = 0; ; index++) {
      if (closing.signal.aborted) return;
      const reason = await attempt(hook, body);
      // Shutting down aborts the attempt in flight; that is not the endpoint's failure.
      if (reason === null || closing.signal.aborted) return;
      const delay = retryDelays[index];
      try {
        options.onDeliveryFailure?.({ hookId: hook.id, eventType: event.eventType, attempt: index + 1, willRetry: delay !== undefined, reason });
      } catch {
        // A failing reporter must not stop the retries or surface as an unhandled rejection.
      }
      if (delay === undefined || !(await wait(delay, closing.signal))) return;
    }
  };

  const onEvent = (event: DirectoryEvent): void => {
    const hooks = directory.eventHooks
      .list()
      .filter((hook) => hook.status === 'ACTIVE' && hook.verificationStatus === 'VERIFIED' && hook.events.includes(event.eventType));
    if (hooks.length === 0) return;
    const logEvent = systemLogEvent(event);
    for (const hook of hooks) {
      const body = JSON.stringify(eventHookDelivery([logEvent], hook.id, orgUrl));
      const delivery: Promise<void> = deliver(hook, event, body)
        .catch(() => {})
        .finally(() => inFlight.delete(delivery));
      inFlight.add(delivery);
    }
  };

  directory.on('event', onEvent);
  return {
    async close() {
      directory.off('event', onEvent);
      closing.abort();
      await Promise.allSettled([...inFlight]);
    },
  };
}

/** Sleep `ms`; false when `signal` aborts first. */
function wait(ms: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(false);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
