/**
 * `npm start`: the one command a new user types.
 *
 * With no Okta variables it starts the bundled Okta emulator on :9000 and the dashboard on :3000,
 * then prints both URLs and the demo sign-ins. With `OKTA_ISSUER` or `OKTA_DOMAIN` set it starts
 * the dashboard alone against that issuer. Ctrl-C stops everything; data stays in `./data`.
 */
import path from 'node:path';
import { loadConfig, ConfigError } from '@gatehouse/auth/config';

const EMULATOR_PORT = 9000;

function fail(message: string): never {
  console.error(`\n  Gatehouse could not start.\n\n  ${message.split('\n').join('\n  ')}\n`);
  process.exit(1);
}

async function main(): Promise<void> {
  const wantsEmulator = !process.env.OKTA_ISSUER && !process.env.OKTA_DOMAIN
    && !process.env.OKTA_ISSUER_FILE && !process.env.OKTA_DOMAIN_FILE;
  const dataDir = path.resolve(process.env.GATEHOUSE_DATA_DIR ?? 'data');

  const closers: Array<() => Promise<void>> = [];
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n  ${signal} received: stopping…`);
    for (const close of closers.reverse()) {
      await close().catch((err: unknown) => console.error('  error while stopping:', (err as Error).message));
    }
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));

  let banner = '';
  if (wantsEmulator) {
    const { startEmulator, demoBanner } = await import('@gatehouse/okta-emulator');
    const emulator = await startEmulator({
      port: EMULATOR_PORT,
      dataDir: path.join(dataDir, 'okta-emulator'),
    }).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE') fail(`Port ${EMULATOR_PORT} is in use: another Gatehouse (or something else) is running there. Stop it, or set OKTA_ISSUER to use a real Okta org.`);
      throw err;
    });
    closers.push(() => emulator.close());
    banner += demoBanner(emulator);
  }

  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) fail(err.message);
    throw err;
  }

  const { startDashboard } = await import('@gatehouse/dashboard/server');
  const dashboard = await startDashboard({ config }).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'EADDRINUSE') fail(`Port ${config.port} is in use. Stop what runs there, or set PORT to another port (and register the matching redirect URI).`);
    throw err;
  });
  closers.push(() => dashboard.close());

  console.log(`${banner}
  Gatehouse is running.

    Open ${config.appBaseUrl} and choose "Sign in with Okta".${wantsEmulator ? `
    Sign in as admin@gatehouse.test, viewer@gatehouse.test or norole@gatehouse.test (password Gatehouse-demo-1).` : ''}
    Identity provider: ${config.okta.issuer}${wantsEmulator ? ' (the bundled Okta emulator)' : ''}
    Data is kept in ${dataDir}. Press Ctrl-C to stop.
`);
}

main().catch((err: unknown) => {
  fail(err instanceof Error ? err.message : String(err));
});
