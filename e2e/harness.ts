/**
 * Browser-test harness: runs `npm start` (emulator on :9000, app on :3000) in a throw-away data
 * directory and drives Debian's Chromium through playwright-core, a fresh context per test.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { currentTotp, DEMO_PASSWORD, DEMO_USERS } from '@gatehouse/okta-emulator';

export const APP_URL = 'http://localhost:3000';
export const IDP_URL = 'http://localhost:9000';
const ROOT = path.resolve(import.meta.dirname, '..');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Where screenshots go: `docs/screenshots` when UPDATE_SCREENSHOTS=1 (for the README), else a temp dir. */
export const SCREENSHOT_DIR = process.env.UPDATE_SCREENSHOTS === '1'
  ? path.join(ROOT, 'docs', 'screenshots')
  : path.join(os.tmpdir(), 'gatehouse-e2e-screenshots');

export interface Stack {
  dataDir: string;
  restart(): Promise<void>;
  stop(): Promise<void>;
  output(): string;
}

async function waitFor(url: string, child: ChildProcess, output: () => string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`npm start exited with ${child.exitCode}:\n${output()}`);
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms. npm start printed:\n${output()}`);
}

/** Starts `npm start` exactly as a user would, but with its data in a temp directory. */
export async function startStack(): Promise<Stack> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'gh-e2e-'));
  let child: ChildProcess | null = null;
  let log = '';
  const env = {
    ...process.env,
    GATEHOUSE_DATA_DIR: dataDir,
    DATABASE_URL: `file:${path.join(dataDir, 'gatehouse.db')}`,
    SESSION_SECRET: 'e2e-session-secret-at-least-32-characters-long-0123456789',
    NODE_ENV: 'development',
    LOG_LEVEL: 'warn',
    // A dozen sign-ins from one address within a minute is this suite, not an attack.
    AUTH_RATE_LIMIT_PER_MINUTE: '600',
  } as NodeJS.ProcessEnv;
  for (const name of ['OKTA_ISSUER', 'OKTA_DOMAIN', 'OKTA_CLIENT_ID', 'OKTA_CLIENT_SECRET', 'PORT', 'APP_BASE_URL', 'REDIS_URL']) delete env[name];

  const launch = async () => {
    log = '';
    child = spawn('npm', ['start'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    child.stdout?.on('data', (d: Buffer) => { log += d.toString(); });
    child.stderr?.on('data', (d: Buffer) => { log += d.toString(); });
    await waitFor(`${IDP_URL}/oauth2/default/.well-known/openid-configuration`, child, () => log);
    await waitFor(`${APP_URL}/healthz`, child, () => log);
  };
  const kill = async () => {
    const c = child;
    if (!c || c.exitCode !== null) return;
    const exited = new Promise((r) => c.once('exit', r));
    process.kill(-c.pid!, 'SIGINT');
    const timer = setTimeout(() => { try { process.kill(-c.pid!, 'SIGKILL'); } catch { /* gone */ } }, 10_000);
    await exited;
    clearTimeout(timer);
  };

  await launch();
  return {
    dataDir,
    output: () => log,
    restart: async () => { await kill(); await launch(); },
    stop: async () => { await kill(); rmSync(dataDir, { recursive: true, force: true }); },
  };
}

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium not found at ${CHROMIUM}. Install it with: apt-get update && apt-get install -y chromium (or set CHROMIUM_PATH).`);
  }
  // playwright-core gives every launch a fresh, empty profile directory (our --user-data-dir).
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
  });
}

export async function newPage(browser: Browser): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  const page = await context.newPage();
  return { context, page };
}

/** Fills the emulator's hosted sign-in page (we must already be on it). */
export async function submitCredentials(page: Page, username: string, password = DEMO_PASSWORD): Promise<void> {
  await page.getByLabel(/username|email/i).fill(username);
  await page.getByLabel(/password/i).fill(password);
  await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: /sign in/i }).click()]);
}

/**
 * An admin action's step-up: on the emulator's page (password again, then the demo user's TOTP
 * code), back to the app at `appOrigin`. Every state-changing admin action needs one.
 */
export async function stepUp(page: Page, username: string, idpOrigin = IDP_URL, appOrigin = APP_URL): Promise<void> {
  await page.waitForURL((u) => u.origin === idpOrigin);
  if (await page.getByLabel(/password/i).count()) await submitCredentials(page, username);
  const secret = Object.values(DEMO_USERS).find((user) => user.login === username)?.totpSecret;
  if (!secret) throw new Error(`demo user ${username} has no TOTP secret for the step-up`);
  await page.getByLabel(/code/i).fill(currentTotp(secret));
  await Promise.all([page.waitForURL((u) => u.origin === appOrigin), page.getByRole('button', { name: /verify|continue|sign in/i }).click()]);
}

/** From the landing page: "Sign in with Okta" → emulator sign-in → back in the app. */
export async function signIn(page: Page, username: string, password = DEMO_PASSWORD): Promise<void> {
  await page.goto(`${APP_URL}/`);
  await page.getByRole('link', { name: /sign in with okta/i }).or(page.getByRole('button', { name: /sign in with okta/i })).first().click();
  await page.waitForURL((u) => u.origin === IDP_URL);
  await submitCredentials(page, username, password);
  await page.waitForURL((u) => u.origin === APP_URL);
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });
}
