/**
 * The whole project in-process for browser tests: the real Okta emulator and the dashboard with
 * the project's apps, each on a free port (never `npm start`'s fixed 3000/9000, which the e2e
 * suite may be using at the same time), data in a temp directory.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '@gatehouse/auth/config';
import { DEMO_API_TOKEN, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, startEmulator, type Emulator } from '@gatehouse/okta-emulator';
import type { AppDeps } from '../app-context.ts';
import { startDashboard } from '../server.ts';

/** A running emulator + dashboard. */
export interface ProjectStack {
  /** The dashboard's base URL, e.g. `http://localhost:41234`. */
  appBase: string;
  emulator: Emulator;
  close(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (typeof address !== 'object' || !address) throw new Error('no free port');
  return address.port;
}

/** Starts the emulator and the dashboard serving `apps` (default: the apps discovered in the workspace). */
export async function startProjectStack(options: { apps?: AppDeps['apps']; env?: Record<string, string> } = {}): Promise<ProjectStack> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'gh-stack-'));
  const emulator = await startEmulator({ port: 0, dataDir: path.join(dataDir, 'okta-emulator') });
  try {
    const port = await freePort();
    const appBase = `http://localhost:${port}`;
    emulator.addRedirectUris(DEMO_CLIENT_ID, { redirectUris: [`${appBase}/auth/callback`], postLogoutRedirectUris: [`${appBase}/`] });
    const config = loadConfig({
      NODE_ENV: 'test',
      APP_BASE_URL: appBase,
      OKTA_ISSUER: emulator.issuer,
      OKTA_CLIENT_ID: DEMO_CLIENT_ID,
      OKTA_CLIENT_SECRET: DEMO_CLIENT_SECRET,
      OKTA_API_TOKEN: DEMO_API_TOKEN,
      DATABASE_URL: `file:${path.join(dataDir, 'gatehouse.db')}`,
      SESSION_SECRET: 'stack-Test-7q2Wx9Zr4Kp8Lm3Nv6Bj0Hy5Fd1Gs',
      LOG_LEVEL: 'silent',
      ...options.env,
    }, { envFile: false, cwd: dataDir });
    // A dozen sign-ins from one address within a minute is a test suite, not an attack.
    const dashboard = await startDashboard({ config, port, authRateLimit: { limit: 600, windowMs: 60_000 }, ...(options.apps ? { apps: options.apps } : {}) });
    return {
      appBase,
      emulator,
      async close() {
        await dashboard.close();
        await emulator.close();
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await emulator.close();
    rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
}
