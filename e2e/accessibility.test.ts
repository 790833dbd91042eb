/**
 * Accessibility, proven by a real checker: axe-core (WCAG 2.0/2.1 A and AA) runs in Chromium on
 * every page of the app and of the emulator's hosted sign-in, in light and in dark colour scheme;
 * and a keyboard walk checks the skip link, the tab order and a visible focus ring.
 *
 * The emulator and the dashboard run in-process on free ports (not `npm start`'s fixed 3000/9000,
 * which `browser.test.ts` may be using at the same time).
 * @see https://www.w3.org/TR/WCAG21/
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { AxeResults } from 'axe-core';
import { loadConfig } from '@gatehouse/auth/config';
import {
  currentTotp, DEMO_API_TOKEN, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_USERS, startEmulator, type Emulator,
} from '@gatehouse/okta-emulator';
import { startDashboard, type RunningDashboard } from '../apps/dashboard/src/server.ts';
import { launchBrowser, newPage, screenshot, stepUp, submitCredentials } from './harness.ts';

// WCAG 2.0/2.1 A and AA, plus axe's best practices: landmarks (one <main>, all content in a
// landmark, unique labels), one <h1>, heading order.
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'];
const SCHEMES = ['light', 'dark'] as const;
type Scheme = (typeof SCHEMES)[number];

// Injected with page.evaluate (DevTools evaluation), so the pages keep their real CSP: a context
// with bypassCSP would also let through inline styles the real page never gets.
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

interface Violation {
  page: string;
  scheme: Scheme;
  rule: string;
  impact: string;
  target: string;
  summary: string;
}

/** A port that was free a moment ago: the app must know its own URL before it listens. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (typeof address !== 'object' || address === null) throw new Error('could not find a free port');
  return address.port;
}

/** One finding as the page reports it (computed in the browser, where the DOM is). */
interface Finding {
  rule: string;
  impact: string;
  target: string;
  summary: string;
}

/**
 * In the page: axe's violations, plus its "needs review" results — a missing `aria-labelledby`
 * target is one — except colour contrast of SVG chart text, which axe cannot decide (the text
 * sits on an SVG, not a CSS background); `chartTextContrast` checks that text instead.
 */
async function runAxe(page: Page): Promise<Finding[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(AXE_SOURCE);
  return page.evaluate(async (tags) => {
    const axe = (window as unknown as { axe: { run(context: Document, options: object): Promise<AxeResults> } }).axe;
    const results = await axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations', 'incomplete'] });
    const out: Array<{ rule: string; impact: string; target: string; summary: string }> = [];
    for (const [kind, list] of [['', results.violations], ['needs review: ', results.incomplete]] as const) {
      for (const result of list) {
        for (const node of result.nodes) {
          const selector = node.target.map(String).join(' ');
          if (kind && result.id === 'color-contrast' && document.querySelector(selector)?.closest('svg')) continue;
          out.push({
            rule: `${kind}${result.id}`,
            impact: result.impact ?? node.impact ?? 'unknown',
            target: selector,
            summary: (node.failureSummary ?? result.help).replace(/\s+/g, ' ').trim(),
          });
        }
      }
    }
    return out;
  }, AXE_TAGS);
}

/**
 * In the page: every chart label's fill against the background of the card it sits on, by the
 * WCAG 2.1 contrast formula (axe leaves SVG text undecided).
 * @see https://www.w3.org/TR/WCAG21/#dfn-contrast-ratio
 */
async function chartTextContrast(page: Page): Promise<Finding[]> {
  // No named helper functions in here: tsx would wrap them in a `__name` call the page lacks.
  return page.evaluate(() => {
    const out: Array<{ rule: string; impact: string; target: string; summary: string }> = [];
    for (const text of document.querySelectorAll('svg text')) {
      const label = text.textContent?.trim();
      if (!label) continue;
      const fill = getComputedStyle(text).fill;
      let bg = 'rgb(255, 255, 255)';
      for (let at: Element | null = text.closest('svg'); at; at = at.parentElement) {
        const own = getComputedStyle(at).backgroundColor;
        if (own !== 'rgba(0, 0, 0, 0)' && own !== 'transparent') {
          bg = own;
          break;
        }
      }
      const [hi, lo] = [fill, bg]
        .map((css) => (css.match(/[\d.]+/g) ?? []).slice(0, 3).map((v) => {
          const c = Number(v) / 255;
          return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
        }))
        .map(([r = 0, g = 0, b = 0]) => 0.2126 * r + 0.7152 * g + 0.0722 * b)
        .sort((x, y) => y - x) as [number, number];
      const ratio = (hi + 0.05) / (lo + 0.05);
      if (ratio < 4.5) {
        out.push({ rule: 'chart-text-contrast', impact: 'serious', target: `svg text "${label}"`, summary: `fill ${fill} on ${bg} is ${ratio.toFixed(2)}:1, needs 4.5:1` });
      }
    }
    return out;
  });
}

/**
 * WCAG 1.4.10 Reflow, which axe cannot test: at 320 CSS pixels wide the page scrolls only
 * vertically (wide tables scroll inside their own box, which is allowed).
 * @see https://www.w3.org/TR/WCAG21/#reflow
 */
async function reflow(page: Page): Promise<Finding[]> {
  const viewport = page.viewportSize();
  await page.setViewportSize({ width: 320, height: 640 });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  if (viewport) await page.setViewportSize(viewport);
  return overflow > 0
    ? [{ rule: 'reflow-320px', impact: 'serious', target: 'html', summary: `the page is ${overflow}px wider than a 320px screen: it scrolls sideways` }]
    : [];
}

/** Audits the page as it is now, in light and in dark; returns every finding, labelled. */
async function audit(page: Page, label: string): Promise<Violation[]> {
  const found: Violation[] = [];
  for (const scheme of SCHEMES) {
    await page.emulateMedia({ colorScheme: scheme });
    for (const finding of [...await runAxe(page), ...await chartTextContrast(page)]) found.push({ page: label, scheme, ...finding });
  }
  await page.emulateMedia({ colorScheme: 'light' });
  for (const finding of await reflow(page)) found.push({ page: label, scheme: 'light', ...finding });
  return found;
}

/** Fails with one readable line per finding. */
function assertNone(violations: Violation[]): void {
  if (violations.length > 0) assert.fail(report(violations));
}

function report(violations: Violation[]): string {
  return `${violations.length} accessibility violation(s):\n${violations
    .map((v) => `  - [${v.page} · ${v.scheme}] ${v.rule} (${v.impact}) at ${v.target}: ${v.summary}`)
    .join('\n')}`;
}

/** What the focused element is and whether a sighted keyboard user can see the focus ring. */
interface Focused {
  tag: string;
  text: string;
  id: string;
  inHeader: boolean;
  inMainNav: boolean;
  inMain: boolean;
  ring: boolean;
  onScreen: boolean;
}

async function focused(page: Page): Promise<Focused> {
  return page.evaluate(() => {
    const el = document.activeElement as HTMLElement | null;
    if (!el || el === document.body) return { tag: 'body', text: '', id: '', inHeader: false, inMainNav: false, inMain: false, ring: false, onScreen: false };
    const style = getComputedStyle(el);
    const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
    const shadow = style.boxShadow !== 'none' && style.boxShadow !== '';
    const rect = el.getBoundingClientRect();
    return {
      tag: el.tagName.toLowerCase(),
      text: (el.innerText || el.getAttribute('aria-label') || '').trim(),
      id: el.id,
      inHeader: el.closest('header') !== null,
      inMainNav: el.closest('nav[aria-label="Main"]') !== null,
      inMain: el.closest('main') !== null,
      ring: outline || shadow,
      onScreen: rect.width > 0 && rect.height > 0 && rect.bottom > 0 && rect.top < window.innerHeight,
    };
  });
}

/**
 * Tabs from the top of the page until `isTarget` matches; asserts the skip link comes first and
 * that every stop shows a focus ring. Returns the stops in order.
 */
async function tabUntil(page: Page, isTarget: (f: Focused) => boolean, label: string): Promise<Focused[]> {
  const stops: Focused[] = [];
  for (let i = 0; i < 40; i++) {
    await page.keyboard.press('Tab');
    const now = await focused(page);
    stops.push(now);
    assert.ok(now.ring, `${label}: tab stop ${i + 1} (${now.tag} "${now.text}") has no visible focus outline`);
    assert.ok(now.onScreen, `${label}: tab stop ${i + 1} (${now.tag} "${now.text}") is focused but not on screen`);
    if (i === 0) assert.match(now.text, /skip to content/i, `${label}: the first Tab must reach the skip link, got ${now.tag} "${now.text}"`);
    if (isTarget(now)) return stops;
  }
  throw new Error(`${label}: 40 Tabs never reached the primary action; stops: ${stops.map((s) => `${s.tag} "${s.text}"`).join(', ')}`);
}

describe('accessibility: axe-core WCAG 2.1 A/AA on every page, light and dark; keyboard', { concurrency: false }, () => {
  let dataDir: string;
  let emulator: Emulator;
  let dashboard: RunningDashboard;
  let browser: Browser;
  let appBase: string;
  const contexts: BrowserContext[] = [];

  before(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'gh-a11y-'));
    emulator = await startEmulator({ port: 0, dataDir: path.join(dataDir, 'okta-emulator') });
    const port = await freePort();
    appBase = `http://localhost:${port}`;
    emulator.addRedirectUris(DEMO_CLIENT_ID, { redirectUris: [`${appBase}/auth/callback`], postLogoutRedirectUris: [`${appBase}/`] });
    const config = loadConfig({
      NODE_ENV: 'test',
      APP_BASE_URL: appBase,
      OKTA_ISSUER: emulator.issuer,
      OKTA_CLIENT_ID: DEMO_CLIENT_ID,
      OKTA_CLIENT_SECRET: DEMO_CLIENT_SECRET,
      OKTA_API_TOKEN: DEMO_API_TOKEN,
      DATABASE_URL: `file:${path.join(dataDir, 'gatehouse.db')}`,
      SESSION_SECRET: 'a11y-test-session-secret-at-least-32-chars',
      LOG_LEVEL: 'silent',
    }, { envFile: false, cwd: dataDir });
    // A dozen sign-ins from one address within a minute is this suite, not an attack.
    dashboard = await startDashboard({ config, port, metricsPort: 0, authRateLimit: { limit: 600, windowMs: 60_000 } });
    browser = await launchBrowser();
  });

  after(async () => {
    await Promise.allSettled(contexts.map((c) => c.close()));
    await browser?.close();
    await dashboard?.close();
    await emulator?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  async function freshPage(): Promise<Page> {
    const { context, page } = await newPage(browser);
    contexts.push(context);
    return page;
  }

  /** Loads `path` and audits it; `status` is the answer the page must give. */
  async function visit(page: Page, pathname: string, status: number, label = pathname): Promise<Violation[]> {
    const res = await page.goto(`${appBase}${pathname}`);
    assert.equal(res?.status(), status, `${pathname} answered ${res?.status()}, expected ${status}`);
    return audit(page, label);
  }

  async function signIn(page: Page, username: string): Promise<void> {
    await page.goto(`${appBase}/auth/login`);
    await page.waitForURL((u) => u.href.startsWith(emulator.url));
    await submitCredentials(page, username);
    await page.waitForURL((u) => u.href.startsWith(appBase));
  }

  test('signed-out pages: landing, 404, sign-in error, "you were signed out"', async () => {
    const page = await freshPage();
    const violations = [
      ...await visit(page, '/', 200, 'landing'),
      ...await visit(page, '/no-such-page', 404, '404'),
      ...await visit(page, '/auth/callback?state=x', 400, 'sign-in error'),
      ...await visit(page, '/signed-out?reason=revoked_by_admin&returnTo=%2Fdashboards', 200, 'signed out (live)'),
    ];
    assertNone(violations);
  });

  test("the emulator's sign-in: password page, its error state, the TOTP page and its error state", async () => {
    const page = await freshPage();
    const violations: Violation[] = [];
    await page.goto(`${appBase}/`);
    await page.getByRole('link', { name: /sign in with okta/i }).click();
    await page.waitForURL((u) => u.href.startsWith(emulator.url));
    violations.push(...await audit(page, 'emulator sign-in'));

    await submitCredentials(page, DEMO_USERS.admin.login, 'not-the-password');
    await page.getByRole('alert').waitFor();
    violations.push(...await audit(page, 'emulator sign-in, wrong password'));

    await submitCredentials(page, DEMO_USERS.admin.login);
    await page.waitForURL((u) => u.href.startsWith(appBase));
    // A step-up action sends the admin back to the emulator for the second factor.
    await page.goto(`${appBase}/admin/users/${DEMO_USERS.norole.id}/sessions/revoke`);
    await page.waitForURL((u) => u.href.startsWith(emulator.url));
    if (await page.getByLabel(/password/i).count()) await submitCredentials(page, DEMO_USERS.admin.login);
    await page.getByLabel(/code/i).waitFor();
    violations.push(...await audit(page, 'emulator TOTP'));

    await page.getByLabel(/code/i).fill('000000');
    await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: /verify/i }).click()]);
    await page.getByRole('alert').waitFor();
    violations.push(...await audit(page, 'emulator TOTP, wrong code'));

    await page.getByLabel(/code/i).fill(currentTotp(DEMO_USERS.admin.totpSecret));
    await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: /verify/i }).click()]);
    await page.waitForURL((u) => u.href.startsWith(appBase));
    violations.push(...await audit(page, 'revoke-all confirmation'));
    assertNone(violations);
  });

  test('viewer pages: /dashboards, /profile', async () => {
    const page = await freshPage();
    await signIn(page, DEMO_USERS.viewer.login);
    const violations = [
      ...await visit(page, '/dashboards', 200),
      ...await visit(page, '/dashboards?dataset=weather', 200),
      ...await visit(page, '/profile', 200),
    ];
    await page.goto(`${appBase}/dashboards`);
    await page.emulateMedia({ colorScheme: 'dark' });
    await screenshot(page, 'dashboards-dark');
    assertNone(violations);
  });

  test('admin pages: overview, sessions, users, new user, user detail, audit, health, roles, profile, 404, 400', async () => {
    const page = await freshPage();
    await signIn(page, DEMO_USERS.admin.login);
    // The new-user form is behind the admin step-up: take it once, then every page answers 200.
    await page.goto(`${appBase}/admin/users/new`);
    await stepUp(page, DEMO_USERS.admin.login, new URL(emulator.url).origin, new URL(appBase).origin);
    const violations: Violation[] = [];
    for (const p of ['/admin', '/admin/sessions', '/admin/users', '/admin/users/new', `/admin/users/${DEMO_USERS.viewer.id}`, '/admin/audit', '/admin/health', '/admin/roles', '/profile']) {
      violations.push(...await visit(page, p, 200));
    }
    violations.push(...await visit(page, '/no-such-page', 404, '404 (signed in)'));
    violations.push(...await visit(page, '/admin/sessions?page=0', 400, '400 (bad page number)'));
    await page.goto(`${appBase}/admin`);
    await page.emulateMedia({ colorScheme: 'dark' });
    await screenshot(page, 'admin-dark');
    assertNone(violations);
  });

  test('the 403 page (a user with no role)', async () => {
    const page = await freshPage();
    await signIn(page, DEMO_USERS.norole.login);
    const violations = [
      ...await visit(page, '/dashboards', 403, '403 /dashboards'),
      ...await visit(page, '/admin', 403, '403 /admin'),
    ];
    assertNone(violations);
  });

  test('live states: a new row arrives (audited), focus is never moved, reduced motion stills the badge and the highlight', async () => {
    const admin = await freshPage();
    await signIn(admin, DEMO_USERS.admin.login);
    await admin.goto(`${appBase}/admin/sessions`);
    await admin.locator('#live-indicator[data-state="live"]').waitFor();
    const violations = await audit(admin, 'admin sessions, live badge');

    // Keyboard focus on a Revoke button inside the table, then someone signs in elsewhere.
    await tabUntil(admin, (f) => f.tag === 'button' && /^revoke$/i.test(f.text), 'live sessions');
    const focusedRow = await admin.evaluate(() => document.activeElement?.closest('tr')?.getAttribute('data-live-key'));
    assert.ok(focusedRow, 'focus is on a session row');
    const other = await freshPage();
    await signIn(other, DEMO_USERS.viewer.login);
    // The table holds the update while focus is inside it, and focus stays where it was.
    await admin.locator('#live-sessions[data-live-pending]').waitFor();
    assert.equal(await admin.evaluate(() => document.activeElement?.closest('tr')?.getAttribute('data-live-key')), focusedRow, 'focus did not move');
    assert.equal(await admin.locator('#live-sessions tr.live-new').count(), 0, 'no swap under the keyboard focus');
    // Focus leaves the table (Shift+Tab back into the header): the update lands.
    await admin.locator('nav[aria-label="Main"] a').first().focus();
    await admin.locator('#live-sessions tr.live-new', { hasText: DEMO_USERS.viewer.login }).waitFor();
    await admin.locator('#live-announcer', { hasText: /active sessions updated: 1 new/i }).waitFor();
    assert.equal(await admin.evaluate(() => document.activeElement?.textContent?.trim()), 'Dashboards', 'focus stayed on the link it was moved to');
    violations.push(...await audit(admin, 'admin sessions, new live row'));

    // Reduced motion: the badge does not pulse and the new row's tint does not fade (it stays).
    await admin.emulateMedia({ reducedMotion: 'reduce' });
    const motion = await admin.evaluate(() => ({
      dot: getComputedStyle(document.querySelector('.live-indicator__dot')!).animationName,
      row: getComputedStyle(document.querySelector('tr.live-new')!).animationName,
    }));
    assert.deepEqual(motion, { dot: 'none', row: 'none' });
    await admin.emulateMedia({ reducedMotion: 'no-preference' });
    assertNone(violations);
  });

  test('keyboard: the landing page — skip link first, then the header, then "Sign in with Okta"', async () => {
    const page = await freshPage();
    await page.goto(`${appBase}/`);
    const stops = await tabUntil(page, (f) => /sign in with okta/i.test(f.text), 'landing');
    const target = stops.length - 1;
    assert.ok(stops.slice(1, target).some((s) => s.inHeader), 'landing: the header (brand link home) comes before the primary action');
    assert.ok(stops[target]!.inMain, 'landing: the primary action is in <main>');

    // The skip link moves focus into <main>, past the header.
    await page.goto(`${appBase}/`);
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    assert.equal((await focused(page)).id, 'main', 'landing: the skip link moves focus to <main>');
    await page.keyboard.press('Tab');
    assert.match((await focused(page)).text, /sign in with okta/i, 'landing: after the skip link, the next Tab is the primary action');
  });

  test('keyboard: admin sessions — skip link first, then the main navigation, then "Revoke"', async () => {
    const admin = await freshPage();
    await signIn(admin, DEMO_USERS.admin.login);
    await admin.goto(`${appBase}/admin/sessions`);
    const stops = await tabUntil(admin, (f) => f.tag === 'button' && /^revoke$/i.test(f.text), 'admin sessions');
    const nav = stops.map((s, i) => (s.inMainNav ? i : -1)).filter((i) => i >= 0);
    assert.deepEqual(
      nav.map((i) => stops[i]!.text),
      ['Dashboards', 'Admin', 'Profile'],
      'admin sessions: the main navigation is reached, in order, right after the header',
    );
    assert.ok(nav[0]! > 0 && nav[nav.length - 1]! < stops.length - 1, 'admin sessions: main navigation comes after the skip link and before the primary action');
    assert.ok(stops[stops.length - 1]!.inMain, 'admin sessions: "Revoke" is in <main>');
  });
});
