/**
 * Finds the project's apps: every workspace under `apps/` (other than the dashboard) whose
 * package.json says `"gatehouse": { "app": true }`, imported from its `exports["."]` file — by path,
 * so an app made a moment ago by `npm run new-app` is found before anything is linked.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { GatehouseApp } from '@gatehouse/app-kit';

/** The repository root (the folder whose package.json lists the workspaces). */
export const PROJECT_ROOT = path.resolve(import.meta.dirname, '..', '..', '..', '..');

interface Manifest {
  name?: string;
  workspaces?: string[];
  exports?: string | Record<string, unknown>;
  gatehouse?: { app?: boolean };
}

function readManifest(file: string): Manifest {
  return JSON.parse(readFileSync(file, 'utf8')) as Manifest;
}

function isApp(value: unknown): value is GatehouseApp {
  const app = value as Partial<GatehouseApp> | null;
  return typeof app?.createApp === 'function' && typeof app.manifest?.name === 'string';
}

/**
 * The apps of the project at `root`, in workspace order. Throws at start-up, naming the folder,
 * when an app's package is not loadable, exports no `defineApp(…)`, or its name is not its folder's.
 */
export async function discoverApps(root: string = PROJECT_ROOT): Promise<GatehouseApp[]> {
  const workspaces = readManifest(path.join(root, 'package.json')).workspaces ?? [];
  const apps: GatehouseApp[] = [];
  for (const workspace of workspaces) {
    const dir = path.join(root, workspace);
    if (!workspace.startsWith('apps/') || workspace === 'apps/dashboard' || !existsSync(path.join(dir, 'package.json'))) continue;
    const manifest = readManifest(path.join(dir, 'package.json'));
    if (manifest.gatehouse?.app !== true) continue;
    const entry = typeof manifest.exports === 'string' ? manifest.exports : manifest.exports?.['.'];
    if (typeof entry !== 'string') throw new Error(`${workspace}/package.json: an app needs "exports": { ".": "./src/index.ts" }`);
    const module = (await import(pathToFileURL(path.join(dir, entry)).href)) as { default?: unknown };
    if (!isApp(module.default)) throw new Error(`${workspace}: ${entry} must \`export default defineApp({ manifest, createApp })\` (from @gatehouse/app-kit)`);
    if (module.default.manifest.name !== path.basename(dir)) {
      throw new Error(`${workspace}: the manifest's name "${module.default.manifest.name}" must be its folder's, ${path.basename(dir)}`);
    }
    apps.push(module.default);
  }
  return apps;
}
