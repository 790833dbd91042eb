/**
 * `npm start`: the one command a new user types.
 *
 * With no Okta issuer configured (environment, `NAME_FILE` or `.env`) it starts the bundled Okta
 * emulator on :9000 and the dashboard on :3000, then prints both URLs and the demo sign-ins. With
 * `OKTA_ISSUER` or `OKTA_DOMAIN` set it starts the dashboard alone against that issuer. Ctrl-C
 * stops everything; data stays in `./data` (GATEHOUSE_DATA_DIR).
 */
import path from 'node:path';
import { loadConfig, ConfigError, EMULATOR_DEFAULTS, type GatehouseConfig } from '@gatehouse/auth/config';

const EMULATOR_PORT = Number(new URL(EMULATOR_DEFAULTS.issuer).port);

function fail(message: string): never {
  console.error(`\n  Gatehouse could not start.\n\n  ${message.split('\n').join('\n  ')}\n`);
  process.exit(1);
}

function inUse(err: unknown): boolean {
  return (err as NodeJS.ErrnoException | undefined)?.code === 'EADDRINUSE';
}

async function main(): Promise<void> {
  // One reading of the configuration decides everything, `.env` included.
  let config: GatehouseConfig;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) fail(err.message);
    throw err;
  }
  const dataDir = path.resolve(config.dataDir);

  const closers: Array<() => Promise<void>> = [];
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) {
      // A second Ctrl-C: do not wait for requests in flight.
      console.log(`\n  ${signal} again: exiting without finishing the requests in flight.`);
      process.exit(1);
    }
    stopping = true;
    console.log(`\n  ${signal} received: finishing requests in flight (at most ${config.shutdown.timeoutSeconds} s; ${signal} again to exit now)…`);
    for (const close of closers.reverse()) {
      await close().catch((err: unknown) => console.error('  error while stopping:', (err as Error).message));
    }
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));

  let banner = '';
  let demo = '';
  let hooks = '';
  let emulatorUrl: string | null = null;
  let emulatorEvents: readonly string[] = [];
  if (config.usingEmulator) {
    const { startEmulator, demoBanner, DEMO_PASSWORD, DEMO_USERS, EVENT_HOOK_EVENT_TYPES } = await import('@gatehouse/okta-emulator');
    emulatorEvents = EVENT_HOOK_EVENT_TYPES;
    const emulator = await startEmulator({ port: EMULATOR_PORT, dataDir: path.join(dataDir, 'okta-emulator') }).catch((err: unknown) => {
      if (inUse(err)) fail(`Port ${EMULATOR_PORT} is in use: another Gatehouse (or something else) is running there. Stop it, or set OKTA_ISSUER to use a real Okta org.`);
      throw err;
    });
    closers.push(() => emulator.close());
    // The demo client is registered for http://localhost:3000; a different PORT or APP_BASE_URL
    // must work too, as it would after adding the redirect URIs in the Okta Admin Console.
    emulator.addRedirectUris(config.okta.clientId, { redirectUris: [config.redirectUri], postLogoutRedirectUris: [config.postLogoutRedirectUri] });
    emulatorUrl = emulator.url;
    banner = demoBanner(emulator);
    demo = `\n    Sign in as ${DEMO_USERS.admin.login}, ${DEMO_USERS.viewer.login} or ${DEMO_USERS.norole.login} (password ${DEMO_PASSWORD}).`;
  }

  const { startDashboard } = await import('@gatehouse/dashboard/server');
  // Every app in apps/ (npm run new-app), served by the same server behind the same sign-in.
  const { discoverApps } = await import('@gatehouse/dashboard/project');
  const apps = await discoverApps();
  const dashboard = await startDashboard({ config, apps }).catch((err: unknown) => {
    if (inUse(err)) {
      const busy = (err as { port?: unknown }).port;
      fail(busy !== undefined && busy === config.metrics.port
        ? `Port ${busy} (METRICS_PORT, the metrics listener) is in use. Stop what runs there, or set METRICS_PORT to another port.`
        : `Port ${config.port} is in use. Stop what runs there, or set PORT to another port.`);
    }
    throw err;
  });
  closers.push(() => dashboard.close());

  // The emulator's Event Hook, registered and verified against the running app: Okta-side changes
  // (deactivations, group changes) reach open sessions with no set-up.
  const hookSecret = config.lifecycle.eventHookSecret;
  if (emulatorUrl && hookSecret && config.okta.apiToken) {
    const { registerEventHook } = await import('@gatehouse/dashboard/management-api/event-hook-setup');
    const { HANDLED_EVENT_TYPES } = await import('@gatehouse/auth/lifecycle');
    // The emulator refuses subscriptions to events it never emits (as it could not honour them).
    const events = HANDLED_EVENT_TYPES.filter((type) => emulatorEvents.includes(type));
    hooks = await registerEventHook({ orgUrl: emulatorUrl, apiToken: config.okta.apiToken, url: `${config.appBaseUrl}/hooks/okta`, secret: hookSecret, events }).then(
      () => `\n    Okta Event Hook: ${config.appBaseUrl}/hooks/okta (registered and verified with the emulator)`,
      (err: unknown) => `\n    Okta Event Hook not registered: ${(err as Error).message}`,
    );
  }

  console.log(`${banner}
  Gatehouse is running.

    Open ${config.appBaseUrl} and choose "Sign in with Okta".${demo}${apps.map((app) => `\n    ${app.manifest.title}: ${config.appBaseUrl}/apps/${app.manifest.name}/`).join('')}
    Identity provider: ${config.okta.issuer}${config.usingEmulator ? ' (the bundled Okta emulator)' : ''}${hooks}
    Data is kept in ${dataDir}. Press Ctrl-C to stop.
`);
}

main().catch((err: unknown) => {
  fail(err instanceof Error ? err.message : String(err));
});
