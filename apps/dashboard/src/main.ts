/**
 * Runs the dashboard alone: `node --import tsx apps/dashboard/src/main.ts`. Prints the redacted
 * configuration, stops cleanly on Ctrl-C / SIGTERM, and exits with a readable message (no stack)
 * when the configuration is wrong.
 */
import { ConfigError, loadConfig, redactConfig } from '@gatehouse/auth/config';
import { createLogger, flushLogger } from './observability/logger.ts';
import { startDashboard } from './server.ts';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error('Gatehouse cannot start: the configuration has problems.');
      for (const issue of err.issues) console.error(`  - ${issue.field}: ${issue.message}`);
      process.exit(1);
    }
    throw err;
  }
  const logger = createLogger(config);
  logger.info({ config: redactConfig(config) }, 'configuration loaded');
  const running = await startDashboard({ config, logger });
  logger.info(`Gatehouse dashboard: ${config.appBaseUrl} (listening on ${running.url})`);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) {
      // A second signal (a second Ctrl-C): the operator does not want to wait for the drain.
      logger.warn({ signal }, 'second signal: exiting without finishing the drain');
      flushLogger(logger);
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal, inFlight: running.inFlight }, 'stopping: draining requests in flight');
    // Last resort should closing the stores hang: exit shortly after the drain budget.
    setTimeout(() => {
      logger.error('stop did not finish within SHUTDOWN_TIMEOUT + 5 s; exiting');
      flushLogger(logger);
      process.exit(1);
    }, (config.shutdown.timeoutSeconds + 5) * 1000).unref();
    running.close().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err: err instanceof Error ? { name: err.name, message: err.message } : String(err) }, 'error while stopping');
        flushLogger(logger);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((err: unknown) => {
  console.error('Gatehouse dashboard failed to start:', err instanceof Error ? err.message : String(err));
  process.exit(1);
});
