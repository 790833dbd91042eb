/**
 * The dashboard's logger: pino writing JSON lines to stdout through an asynchronous destination
 * (sonic-boom, `sync: false`), so a request never waits for a `write(2)`: lines written while one
 * write is in flight are gathered and go out together with the next. What is still buffered is
 * written on shutdown ({@link flushLogger}, called by `RunningDashboard.close()`), and on
 * `process.exit` by pino's own exit hook.
 * @see https://getpino.io/#/docs/asynchronous (asynchronous logging and its trade-offs)
 */
import pino, { type Logger } from 'pino';
import type { GatehouseConfig } from '@gatehouse/auth/config';

/** The logger `main.ts` and `startDashboard` use unless given one: level from LOG_LEVEL, stdout, asynchronous. */
export function createLogger(config: Pick<GatehouseConfig, 'logLevel'>): Logger {
  return pino({ level: config.logLevel, base: { app: 'gatehouse-dashboard' } }, pino.destination({ dest: 1, sync: false }));
}

/**
 * Writes out, synchronously, whatever `logger`'s destination still buffers (the stop log line
 * included). A destination without `flushSync` (a test's stream) has nothing buffered here.
 */
export function flushLogger(logger: Logger): void {
  const destination = (logger as unknown as Record<symbol, { flushSync?: () => void } | undefined>)[pino.symbols.streamSym];
  try {
    destination?.flushSync?.();
  } catch {
    // Not open yet, already closed, or stdout gone (EPIPE): nothing more can be written.
  }
}
