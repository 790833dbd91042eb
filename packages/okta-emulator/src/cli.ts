import { parseArgs } from 'node:util';
import { demoBanner } from './banner.ts';
import { rotateKeyFile } from './keys.ts';
import { startEmulator, type EmulatorLogger } from './server.ts';

/**
 * `npm run idp [-- --port 9000 --seed seed.json --data-dir ./data/okta-emulator]` starts the
 * emulator; `npm run idp -- rotate-keys --data-dir …` publishes a new signing key (a running
 * emulator on that data directory picks it up within a second).
 */

const USAGE = `Usage:
  npm run idp [-- --port <port>] [--host <address>] [--seed <seed.json>] [--data-dir <dir>]
  npm run idp -- rotate-keys [--data-dir <dir>]

  --port      listen port (default 9000)
  --host      listen address (default 127.0.0.1)
  --seed      directory seed JSON, used when the data directory is new (default: demo seed)
  --data-dir  where the directory, signing keys and sessions are kept (default ./data/okta-emulator)
  --hook-host a host name Event Hook verification may call besides loopback (repeatable)`;

const logger: EmulatorLogger = {
  info: (message) => console.log(`${new Date().toISOString()} info  ${message}`),
  warn: (message) => console.warn(`${new Date().toISOString()} warn  ${message}`),
  error: (message) => console.error(`${new Date().toISOString()} error ${message}`),
};

function fail(message: string): never {
  console.error(`okta-emulator: ${message}\n\n${USAGE}`);
  process.exit(2);
}

function parse() {
  try {
    return parseArgs({
      allowPositionals: true,
      options: {
        port: { type: 'string', default: '9000' },
        host: { type: 'string', default: '127.0.0.1' },
        seed: { type: 'string' },
        'data-dir': { type: 'string', default: './data/okta-emulator' },
        'hook-host': { type: 'string', multiple: true, default: [] },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    return fail((error as Error).message);
  }
}

async function main(): Promise<void> {
  const { values, positionals } = parse();
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const dataDir = values['data-dir'];
  const [command, ...rest] = positionals;
  if (rest.length > 0) fail(`unexpected arguments: ${rest.join(' ')}`);

  if (command === 'rotate-keys') {
    const file = await rotateKeyFile(dataDir);
    console.log(`New signing key ${file.keys[0]?.jwk.kid} published in ${dataDir}; older keys stay in the JWKS for 7 days.`);
    return;
  }
  if (command !== undefined) fail(`unknown command: ${command}`);

  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`--port must be a port number, got ${values.port}`);

  const emulator = await startEmulator({
    port,
    host: values.host,
    dataDir,
    ...(values.seed ? { seed: values.seed } : {}),
    eventHookHosts: values['hook-host'],
    logger,
  });
  console.log(`${demoBanner(emulator, values.seed ? { seedPath: values.seed } : {})}\nPress Ctrl+C to stop.\n`);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info(`${signal} received, stopping`);
    emulator.close().then(
      () => process.exit(0),
      (error: Error) => {
        logger.error(`shutdown failed: ${error.message}`);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

main().catch((error: Error) => {
  // Start-up failures (bad seed, port in use, corrupt data) are the operator's to fix: the
  // message says what and how; no stack trace.
  console.error(`okta-emulator: ${error.message}${error.cause instanceof Error ? ` (${error.cause.message})` : ''}`);
  process.exit(1);
});
