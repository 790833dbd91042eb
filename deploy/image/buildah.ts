/**
 * Building and starting images with Debian's `buildah`, without a container engine: chroot
 * isolation (no daemon, no user namespaces), overlay or vfs storage. Storage lives outside
 * the repository in {@link STORAGE_DIR}, so a base image built once is reused by later runs.
 * Used by deploy/image/image-build.test.ts; the base image recipe is in base.ts.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';

/** buildah's image stores (one per storage driver), kept between runs: base images are cached there by recipe hash. */
export const STORAGE_DIR = '/var/tmp/gatehouse-buildah';
/** What to install when a tool is missing; every failure names it. */
export const INSTALL_HINT = 'apt-get install -y buildah mmdebstrap';

/**
 * overlay where the kernel allows it (layers shared: a build and a mount cost seconds), else vfs
 * (every layer a full copy: works anywhere, several times slower). Each has its own store.
 */
let driver: Promise<'overlay' | 'vfs'> | undefined;
const storageArgs = (name: string) => ['--root', path.join(STORAGE_DIR, name), '--runroot', path.join(STORAGE_DIR, `${name}-run`), '--storage-driver', name];

function exec(args: string[], options: { cwd?: string } = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('buildah', args, { cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString(); });
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The storage driver in use: overlay when a scratch container can be made and mounted with it. */
export function storageDriver(): Promise<'overlay' | 'vfs'> {
  driver ??= (async () => {
    const made = await exec([...storageArgs('overlay'), 'from', '--quiet', 'scratch']);
    if (made.code !== 0) return 'vfs';
    const container = made.stdout.trim();
    const mounted = await exec([...storageArgs('overlay'), 'mount', container]);
    await exec([...storageArgs('overlay'), 'rm', container]);
    return mounted.code === 0 ? 'overlay' : 'vfs';
  })();
  return driver;
}

/** Throws naming the Debian packages when `buildah` or `mmdebstrap` is not installed. */
export function requireTools(): void {
  for (const tool of ['buildah', 'mmdebstrap', 'unshare', 'chroot']) {
    const found = spawnSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' });
    if (found.status !== 0) throw new Error(`${tool} is not installed: the image test builds and starts the image with it (${INSTALL_HINT}; .ci/run installs them)`);
  }
}

/** Runs buildah with the shared storage; resolves stdout, rejects with stderr's tail. */
export async function buildah(args: string[], options: { cwd?: string } = {}): Promise<string> {
  const { code, stdout, stderr } = await exec([...storageArgs(await storageDriver()), ...args], options);
  if (code !== 0) throw new Error(`buildah ${args[0]} failed (${code}):\n${(stderr || stdout).split('\n').slice(-25).join('\n')}`);
  return stdout;
}

/** True when the store holds an image of that name. */
export async function imageExists(name: string): Promise<boolean> {
  return buildah(['inspect', '--type', 'image', name]).then(() => true, () => false);
}

/** The parts of an image's OCI config the checks read. */
export interface ImageConfig {
  User?: string;
  Env?: string[];
  Entrypoint?: string[] | null;
  Cmd?: string[] | null;
  WorkingDir?: string;
  ExposedPorts?: Record<string, unknown>;
}

/** The image's OCI config. */
export async function inspectImage(name: string): Promise<ImageConfig> {
  const info = JSON.parse(await buildah(['inspect', '--type', 'image', name])) as { OCIv1: { config: ImageConfig } };
  return info.OCIv1.config;
}

/** Bytes of the regular files under `dir` (an image root: its uncompressed size). */
export function treeSize(dir: string): number {
  let total = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += fs.lstatSync(path.join(entry.parentPath, entry.name)).size;
  }
  return total;
}

/** A working container of an image, mounted: its root filesystem at `root`. `remove()` unmounts and deletes it. */
export async function mountImage(image: string): Promise<{ root: string; remove(): Promise<void> }> {
  const container = (await buildah(['from', '--pull=never', '--quiet', image])).trim();
  const root = (await buildah(['mount', container])).trim();
  return {
    root,
    async remove() {
      await buildah(['rm', container]);
    },
  };
}

const RUN_READ_ONLY = path.join(import.meta.dirname, 'run-read-only.sh');

/** A process started by {@link startInRoot}. */
export interface RootProcess {
  child: ChildProcess;
  /** Sends SIGTERM to the app (the whole process group: unshare does not forward signals) and waits for it to end. */
  stop(): Promise<void>;
}

/**
 * Starts `argv` inside a mounted image root as Kubernetes would with the chart's securityContext:
 * the image's user, its working directory, only `env`, the root filesystem read-only, a fresh
 * tmpfs on /tmp and on /data, in a private mount namespace (the host network is shared, so a
 * port chosen by the caller is reachable on 127.0.0.1).
 */
export function startInRoot(root: string, user: string, workingDir: string, env: Record<string, string>, argv: string[]): RootProcess {
  if (!fs.existsSync(path.join(root, 'bin'))) throw new Error(`${root} is not an image root`);
  const command = ['env', '-i', ...Object.entries(env).map(([k, v]) => `${k}=${v}`), ...argv];
  // detached: its own process group, so stop() reaches the app behind unshare and chroot.
  const child = spawn('unshare', ['--mount', '--propagation', 'private', '--fork', 'sh', RUN_READ_ONLY, root, user, workingDir, ...command], {
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const exited = once(child, 'exit');
  return {
    child,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        try {
          process.kill(-child.pid!, 'SIGTERM');
        } catch {
          // already gone
        }
      }
      await exited;
    },
  };
}

/** Debian's CA bundle on the build host (local CAs included by update-ca-certificates). */
const HOST_CA_BUNDLE = '/etc/ssl/certs/ca-certificates.crt';

/**
 * Builds deploy/Dockerfile from the repository root `context` on the base image `base`, as `tag`.
 * One layer per stage (no `--layers`): with vfs every cached layer is a full copy of the tree,
 * which costs more than the `npm ci` it would save; `npm ci` keeps its download cache in a
 * cache mount between builds.
 */
export async function buildAppImage(context: string, base: string, tag: string): Promise<void> {
  const secret = fs.existsSync(HOST_CA_BUNDLE) ? ['--secret', `id=npm_ca,src=${HOST_CA_BUNDLE}`] : [];
  await buildah(['bud', '--isolation', 'chroot', '--quiet', '--format', 'docker', '--build-arg', `NODE_IMAGE=${base}`, ...secret, '-f', 'deploy/Dockerfile', '-t', tag, '.'], { cwd: context });
}

/** Deletes an image (and the working containers made from it). */
export async function removeImage(tag: string): Promise<void> {
  await buildah(['rmi', '--force', tag]).catch(() => {});
}

/** Removes `localhost/gatehouse:test-<pid>` images left by test runs that were killed (their pid is gone). */
export async function removeStaleTestImages(): Promise<void> {
  const listed = JSON.parse(await buildah(['images', '--json'])) as Array<{ names?: string[] | null }>;
  for (const name of listed.flatMap((image) => image.names ?? [])) {
    const pid = Number(/^localhost\/gatehouse:test-(\d+)$/.exec(name)?.[1]);
    if (!pid) continue;
    try {
      process.kill(pid, 0);
    } catch {
      await removeImage(name);
    }
  }
}
