/**
 * Throwaway PostgreSQL and Redis servers for tests (not shipped): `npm test` starts one of each
 * (see `test.mjs`) so that it never writes into a developer's databases and runs beside another
 * checkout; the multi-region test starts a primary and a streaming replica of its own.
 *
 * PostgreSQL is started from the installed server binaries (`initdb` into a temp directory, then
 * `postgres` on a free loopback port, TCP only, durability off); Redis is `redis-server` on a free
 * port without persistence. Both are children of the calling process and are removed by `stop()`.
 * A missing binary throws a {@link MissingServerError} with the command that installs it.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import pg from 'pg';

/** What to install when a server binary is missing (Debian/Ubuntu). */
export const INSTALL_HINT = 'apt-get install postgresql redis-server';

/** A server binary that could not be found; the message says what to install. */
export class MissingServerError extends Error {
  override name = 'MissingServerError';
}

/** Where to look for binaries; tests of the lookup itself pass their own. */
export interface BinarySearch {
  /** A `PATH`-style list of directories (default `process.env.PATH`). */
  path?: string;
  /** Parent of versioned PostgreSQL installs, as Debian lays them out (default `/usr/lib/postgresql`). */
  postgresRoot?: string;
}

/**
 * Finds `name` on `PATH`, or for PostgreSQL's server programs (not on Debian's `PATH`) under the
 * newest `/usr/lib/postgresql/<version>/bin`. Throws {@link MissingServerError} naming the package.
 */
export function findBinary(name: string, search: BinarySearch = {}): string {
  const dirs = (search.path ?? process.env.PATH ?? '').split(delimiter).filter(Boolean);
  const root = search.postgresRoot ?? '/usr/lib/postgresql';
  if (name !== 'redis-server' && existsSync(root)) {
    const versions = readdirSync(root).filter((entry) => /^\d+(\.\d+)?$/.test(entry)).sort((a, b) => Number(b) - Number(a));
    dirs.push(...versions.map((version) => join(root, version, 'bin')));
  }
  for (const dir of dirs) {
    const candidate = join(dir, name);
    if (existsSync(candidate)) return candidate;
  }
  const pkg = name === 'redis-server' ? 'redis-server' : 'postgresql';
  throw new MissingServerError(`${name} was not found on PATH${pkg === 'postgresql' ? ` or under ${root}/*/bin` : ''}: the tests start their own ${pkg === 'postgresql' ? 'PostgreSQL' : 'Redis'} from it. Install it with: ${INSTALL_HINT}`);
}

/** A free TCP port on 127.0.0.1 (the server that asks for it binds it a moment later). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

const isRoot = () => process.getuid?.() === 0;

/**
 * PostgreSQL refuses to run as root; as root its programs run as the `postgres` system user
 * (created by the Debian package) through `setpriv`, which execs without forking so signals reach
 * the server itself. Returns the command and arguments to spawn.
 */
function asServerUser(binary: string, args: string[]): [string, string[]] {
  if (!isRoot()) return [binary, args];
  return ['setpriv', ['--reuid=postgres', '--regid=postgres', '--init-groups', binary, ...args]];
}

function serverUserIds(): { uid: number; gid: number } {
  const result = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
  const gid = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
  if (result.status !== 0 || gid.status !== 0) {
    throw new MissingServerError(`running as root, PostgreSQL needs the postgres system user to run as (none found). Install it with: ${INSTALL_HINT}`);
  }
  return { uid: Number(result.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

function run(binary: string, args: string[], what: string): void {
  const [command, argv] = asServerUser(binary, args);
  const result = spawnSync(command, argv, { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${what} failed (exit ${result.status}): ${(result.stderr || result.stdout || String(result.error)).trim().slice(-2000)}`);
}

/** A running (or stopped) throwaway server. */
export interface TestServer {
  /** Connection URL (`postgres://postgres@127.0.0.1:<port>/postgres`, `redis://127.0.0.1:<port>`). */
  readonly url: string;
  readonly port: number;
  /** Stops the server and deletes its files; idempotent. */
  stop(): Promise<void>;
  /** Sends SIGKILL and deletes the files at once (for a process `exit` handler). */
  killSync(): void;
}

/** A throwaway PostgreSQL cluster that can also be stopped and started again (failover tests). */
export interface TestPostgres extends TestServer {
  readonly dataDir: string;
  /** Stops the server, keeping its files (a primary going away). */
  halt(): Promise<void>;
  /** Starts it again on the same port and data directory, resolving once it answers. */
  resume(): Promise<void>;
}

/** Options of {@link startPostgres}. */
export interface StartPostgresOptions {
  /** Make this cluster a streaming replica of `primary` (`pg_basebackup -R`). */
  replicaOf?: TestPostgres;
  /** Most client connections (default 300: parallel test files each open pools of 10). */
  maxConnections?: number;
  search?: BinarySearch;
}

// 30 s: initdb plus start-up take 1–3 s on an idle machine; a loaded CI box gets ten times that.
const START_TIMEOUT_MS = 30_000;
// 10 s: a fast shutdown (SIGINT) of a test cluster with durability off takes well under a second.
const STOP_TIMEOUT_MS = 10_000;

async function waitFor(check: () => Promise<boolean>, child: ChildProcess, log: () => string, what: string): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${what} exited during start-up: ${log().trim().slice(-2000)}`);
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  child.kill('SIGKILL');
  throw new Error(`${what} did not answer within ${START_TIMEOUT_MS / 1000} s: ${log().trim().slice(-2000)}`);
}

function stopChild(child: ChildProcess | null, signal: NodeJS.Signals): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill(signal);
  });
}

async function postgresAnswers(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1000 });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * Creates and starts a PostgreSQL cluster in a new temp directory: superuser `postgres`, trust
 * authentication on loopback (replication included), no Unix socket, fsync off. With `replicaOf`,
 * the cluster is a base backup of that primary set up to stream from it (hot standby).
 */
export async function startPostgres(options: StartPostgresOptions = {}): Promise<TestPostgres> {
  const postgres = findBinary('postgres', options.search);
  const initdb = findBinary('initdb', options.search);
  const basebackup = options.replicaOf ? findBinary('pg_basebackup', options.search) : null;
  const ids = isRoot() ? serverUserIds() : null;

  const root = mkdtempSync(join(tmpdir(), 'gatehouse-pg-'));
  if (ids) chownSync(root, ids.uid, ids.gid);
  const dataDir = join(root, 'data');
  const remove = () => rmSync(root, { recursive: true, force: true });
  try {
    if (basebackup && options.replicaOf) {
      // -R writes standby.signal and primary_conninfo; -X stream copies the WAL the backup needs.
      run(basebackup, ['-D', dataDir, '-d', options.replicaOf.url, '-R', '-X', 'stream', '-c', 'fast', '--no-sync'], 'pg_basebackup');
    } else {
      run(initdb, ['-D', dataDir, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--locale=C', '--no-sync', '--no-instructions'], 'initdb');
    }
  } catch (error) {
    remove();
    throw error;
  }

  const port = await freePort();
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  let child: ChildProcess | null = null;
  let output = '';
  const settings = [
    '-D', dataDir, '-p', String(port),
    '-c', 'listen_addresses=127.0.0.1',
    '-c', 'unix_socket_directories=',
    '-c', `max_connections=${options.maxConnections ?? 300}`,
    // Throwaway data: durability buys nothing here and costs the whole suite time.
    '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off',
    '-c', 'hot_standby=on',
    // 200 ms: a replica whose primary restarted reconnects at once instead of after the default 5 s.
    '-c', 'wal_retrieve_retry_interval=200ms',
  ];
  const begin = async () => {
    output = '';
    const [command, argv] = asServerUser(postgres, settings);
    const started = spawn(command, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    started.stdout!.on('data', (chunk) => (output += chunk));
    started.stderr!.on('data', (chunk) => (output += chunk));
    child = started;
    try {
      await waitFor(() => postgresAnswers(url), started, () => output, `PostgreSQL (${postgres})`);
    } catch (error) {
      await stopChild(started, 'SIGKILL');
      throw error;
    }
  };
  try {
    await begin();
  } catch (error) {
    remove();
    throw error;
  }

  let stopped = false;
  return {
    url,
    port,
    dataDir,
    halt: () => stopChild(child, 'SIGINT'),
    resume: () => begin(),
    async stop() {
      if (stopped) return;
      stopped = true;
      await stopChild(child, 'SIGINT');
      remove();
    },
    killSync() {
      stopped = true;
      (child as ChildProcess | null)?.kill('SIGKILL');
      remove();
    },
  };
}

function redisAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    let reply = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('error', () => done(false));
    socket.on('data', (chunk) => {
      reply += chunk;
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
    });
    socket.connect(port, '127.0.0.1', () => socket.write('PING\r\n'));
  });
}

/** Starts `redis-server` on a free loopback port with no persistence, in its own temp directory. */
export async function startRedis(search: BinarySearch = {}): Promise<TestServer> {
  const binary = findBinary('redis-server', search);
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-redis-'));
  const remove = () => rmSync(dir, { recursive: true, force: true });
  const port = await freePort();
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--daemonize', 'no', '--protected-mode', 'yes'];
  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  try {
    await waitFor(() => redisAnswers(port), child, () => output, `Redis (${binary})`);
  } catch (error) {
    await stopChild(child, 'SIGKILL');
    remove();
    throw error;
  }
  let stopped = false;
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    async stop() {
      if (stopped) return;
      stopped = true;
      await stopChild(child, 'SIGTERM');
      remove();
    },
    killSync() {
      stopped = true;
      child.kill('SIGKILL');
      remove();
    },
  };
}

/**
 * Makes a streaming replica lag on purpose: with `on`, commits arriving from `primaryUrl` are applied
 * only after an hour (`recovery_min_apply_delay`, reloaded without a restart); without, it catches up.
 * Unlike `pg_wal_replay_pause()`, this holds even while the replica is waiting for the next WAL. The
 * reload reaches the replica's startup process asynchronously, so `on` resolves only once a canary
 * commit has been received by the replica and is still not applied.
 */
export async function holdReplay(replicaUrl: string, on: boolean, primaryUrl?: string): Promise<void> {
  const query = async <T extends pg.QueryResultRow>(url: string, text: string, values: unknown[] = []) => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      return (await client.query<T>(text, values)).rows;
    } finally {
      await client.end();
    }
  };
  await query(replicaUrl, on ? "ALTER SYSTEM SET recovery_min_apply_delay = '1h'" : 'ALTER SYSTEM RESET recovery_min_apply_delay');
  await query(replicaUrl, 'SELECT pg_reload_conf()');
  if (!on || !primaryUrl) return;
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    await query(primaryUrl, 'CREATE TABLE IF NOT EXISTS gatehouse_test_canary (n int)');
    await query(primaryUrl, 'INSERT INTO gatehouse_test_canary VALUES (1)');
    const [{ lsn }] = (await query<{ lsn: string }>(primaryUrl, 'SELECT pg_current_wal_insert_lsn()::text AS lsn')) as [{ lsn: string }];
    await new Promise((resolve) => setTimeout(resolve, 200));
    const [state] = await query<{ received: boolean; replayed: boolean }>(replicaUrl, 'SELECT pg_last_wal_receive_lsn() >= $1::pg_lsn AS received, pg_last_wal_replay_lsn() >= $1::pg_lsn AS replayed', [lsn]);
    if (state?.received && !state.replayed) return;
  }
  throw new Error('the replica kept applying commits after recovery_min_apply_delay was set');
}
