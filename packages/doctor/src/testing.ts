/**
 * Test helpers: the app's real configuration loader pointed at a real emulator, and the doctor
 * run against it; findings looked up by check id.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type GatehouseConfig } from '@gatehouse/auth/config';
import { DEMO_API_TOKEN, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, type Emulator } from '@gatehouse/okta-emulator';
import { runDoctor } from './run.ts';
import type { DoctorOptions, DoctorReport, Finding } from './types.ts';

/** `APP_BASE_URL` the default seed registers redirect URIs for. */
export const APP_BASE_URL = 'http://localhost:3000';
/** A random-looking session secret for test configurations. */
export const TEST_SESSION_SECRET = 'Kq3v9ZpLx2Wm7Rt5Yb8Nc4Hd6Jf1Gs0Ae-Ui_Oo';

/** A temporary directory for one test file's SQLite stores; `cleanup()` removes it. */
export function tempDir(): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'gh-doctor-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The configuration the app would load for `env` on top of the emulator's demo client. */
export function configFor(emulator: Emulator | null, dir: string, env: Record<string, string> = {}): GatehouseConfig {
  return loadConfig(
    {
      NODE_ENV: 'test',
      APP_BASE_URL,
      DATABASE_URL: `file:${join(dir, 'gatehouse.db')}`,
      SESSION_SECRET: TEST_SESSION_SECRET,
      ...(emulator ? { OKTA_ISSUER: emulator.issuer, OKTA_CLIENT_ID: DEMO_CLIENT_ID, OKTA_CLIENT_SECRET: DEMO_CLIENT_SECRET, OKTA_API_TOKEN: DEMO_API_TOKEN } : {}),
      ...env,
    },
    { envFile: false, cwd: dir },
  );
}

/** A run's findings by check id, and the whole report. */
export interface Diagnosis {
  report: DoctorReport;
  get(id: string): Finding;
}

/** Runs the doctor and indexes its findings (a missing id fails the test). */
export async function diagnose(config: GatehouseConfig, options: DoctorOptions = {}): Promise<Diagnosis> {
  const report = await runDoctor(config, options);
  return {
    report,
    get(id) {
      const finding = report.findings.find((candidate) => candidate.id === id);
      if (!finding) throw new Error(`no finding ${id} in ${report.findings.map((candidate) => candidate.id).join(', ')}`);
      return finding;
    },
  };
}
