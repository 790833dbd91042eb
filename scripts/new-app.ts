/**
 * `npm run new-app <name>`: a new app of the project in `apps/<name>`, from `scripts/app-template`:
 * its own Hono app with a landing page, a page guarded by a role and permission of its own (added to
 * the one RBAC table, its Okta groups from `GATEHOUSE_ROLE_<NAME>_*_GROUPS`), the typed Okta
 * Management API client in its handlers, tests (`app.request()` and a browser test) and a README.
 * Refuses names that are not valid package names or clash with anything of the project.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import validatePackageName from 'validate-npm-package-name';
import { APP_NAME, RESERVED_APP_NAMES } from '@gatehouse/app-kit';
import { appRoleVariable } from '@gatehouse/auth';

const TEMPLATE = path.join(import.meta.dirname, 'app-template');
/** The repository root. */
export const ROOT = path.resolve(import.meta.dirname, '..');
// 40: a name longer than that makes an unwieldy URL segment and variable (GATEHOUSE_ROLE_<NAME>_MANAGER_GROUPS).
const MAX_NAME_LENGTH = 40;

/** Why a name was refused: shown to the developer as is. */
export class NewAppError extends Error {
  override readonly name = 'NewAppError';
}

interface RootManifest {
  workspaces?: string[];
  [key: string]: unknown;
}

/** The names derived from `name`: `access-review` → title `Access Review`, variable stem `ACCESS_REVIEW`. */
export function namesFor(name: string): { name: string; title: string; env: string; packageName: string } {
  return {
    name,
    title: name.split('-').map((word) => word.charAt(0).toUpperCase() + word.slice(1)).join(' '),
    env: name.toUpperCase().replace(/-/g, '_'),
    packageName: `@gatehouse/app-${name}`,
  };
}

/** Every workspace package name and every role variable of the apps already in `root`. */
function existing(root: string): { packageNames: Set<string>; folders: Set<string>; variables: Set<string> } {
  const manifest = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as RootManifest;
  const packageNames = new Set<string>();
  const variables = new Set<string>();
  for (const workspace of manifest.workspaces ?? []) {
    const file = path.join(root, workspace, 'package.json');
    if (existsSync(file)) packageNames.add((JSON.parse(readFileSync(file, 'utf8')) as { name?: string }).name ?? '');
    const rbac = path.join(root, workspace, 'src', 'rbac.ts');
    if (existsSync(rbac)) for (const match of readFileSync(rbac, 'utf8').matchAll(/'([a-z][a-z0-9-]*-[a-z0-9]+)': true/g)) variables.add(appRoleVariable(match[1]!));
  }
  const folders = new Set(existsSync(path.join(root, 'apps')) ? readdirSync(path.join(root, 'apps')) : []);
  return { packageNames, folders, variables };
}

/**
 * Checks `name`, or throws {@link NewAppError} saying what is wrong and what would do: it must be
 * a valid npm package name in lower-case kebab form, not reserved by the project's routes or
 * folders, and clash with no folder, package or role of the project.
 */
export function checkName(name: string, root: string = ROOT): ReturnType<typeof namesFor> {
  if (!name) throw new NewAppError('Give the app a name: npm run new-app <name>, e.g. npm run new-app approvals');
  const names = namesFor(name);
  const npm = validatePackageName(names.packageName);
  if (!npm.validForNewPackages) {
    throw new NewAppError(`"${name}" would not make a valid package name (${[...(npm.errors ?? []), ...(npm.warnings ?? [])].join('; ')}); use lower-case words joined by -, e.g. access-review`);
  }
  if (!APP_NAME.test(name)) throw new NewAppError(`"${name}" must be lower-case letters and digits, words joined by single - (e.g. approvals, access-review), starting with a letter`);
  if (name.length > MAX_NAME_LENGTH) throw new NewAppError(`"${name}" is longer than ${MAX_NAME_LENGTH} characters`);
  if (RESERVED_APP_NAMES.includes(name)) throw new NewAppError(`"${name}" is reserved by the project (routes and folders: ${RESERVED_APP_NAMES.join(', ')}); choose another name`);
  const { packageNames, folders, variables } = existing(root);
  if (folders.has(name)) throw new NewAppError(`apps/${name} already exists; choose another name or remove that folder`);
  if (packageNames.has(names.packageName)) throw new NewAppError(`A workspace is already named ${names.packageName}`);
  for (const role of ['user', 'manager']) {
    const variable = appRoleVariable(`${name}-${role}`);
    if (variables.has(variable)) throw new NewAppError(`An app already declares a role read from ${variable}; choose another name`);
  }
  return names;
}

/** What {@link createApp} did. */
export interface CreatedApp {
  dir: string;
  files: string[];
}

/**
 * Writes `apps/<name>` from the template and adds it to the root workspaces. Does not install:
 * {@link main} runs `npm install` afterwards to link it and update the lockfile.
 */
export function createApp(name: string, root: string = ROOT): CreatedApp {
  const names = checkName(name, root);
  const dir = path.join(root, 'apps', name);
  const files: string[] = [];
  const fill = (text: string) => text.replaceAll('__name__', names.name).replaceAll('__Title__', names.title).replaceAll('__NAME__', names.env);
  const copy = (from: string, to: string) => {
    mkdirSync(to, { recursive: true });
    for (const entry of readdirSync(from, { withFileTypes: true })) {
      if (entry.isDirectory()) copy(path.join(from, entry.name), path.join(to, entry.name));
      else {
        const target = path.join(to, entry.name.replace(/\.tmpl$/, ''));
        writeFileSync(target, fill(readFileSync(path.join(from, entry.name), 'utf8')), { flag: 'wx' });
        files.push(path.relative(root, target));
      }
    }
  };
  copy(TEMPLATE, dir);

  const manifestPath = path.join(root, 'package.json');
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as RootManifest;
  manifest.workspaces = [...(manifest.workspaces ?? []), `apps/${name}`];
  writeFileSync(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
  return { dir, files };
}

function main(argv: string[]): void {
  const name = argv[0] ?? '';
  let created: CreatedApp;
  try {
    created = createApp(name);
  } catch (err) {
    if (err instanceof NewAppError) {
      console.error(`\n  npm run new-app: ${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  const names = namesFor(name);
  console.log(`\n  Created apps/${name}:\n${created.files.map((file) => `    ${file}`).join('\n')}\n\n  Linking it into the workspace (npm install)…`);
  // Only links the new workspace and records it in package-lock.json: its dependencies are the project's.
  const install = spawnSync('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund'], { cwd: ROOT, stdio: 'inherit' });
  if (install.status !== 0) {
    console.error('\n  npm install failed; run it yourself before npm start / npm test.\n');
    process.exit(install.status ?? 1);
  }
  console.log(`
  ${names.title} is ready. npm start serves it at /apps/${name}/ behind the project's sign-in.
    Roles: ${name}-user (opens it) and ${name}-manager (its manage page); their Okta groups:
      ${appRoleVariable(`${name}-user`)} (default admin,viewer)
      ${appRoleVariable(`${name}-manager`)} (default admin)
    Tests: apps/${name}/src/*.test.ts run with npm test.
`);
}

if (import.meta.filename === path.resolve(process.argv[1] ?? '')) main(process.argv.slice(2));
