/**
 * Test support: the dashboard as its own process (`main.ts`, the container's command), so tests
 * can send it real signals and limit its resources. Never on the fixed ports: `PORT=0`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../main.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

/** A dashboard process listening on a free port. */
export interface DashboardProcess {
  child: ChildProcess;
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** Everything it printed so far (stdout and stderr). */
  output(): string;
  /** Resolves with the exit code once it has exited. */
  exited: Promise<number | null>;
  /** SIGKILL if still running (test clean-up). */
  kill(): Promise<void>;
}

/** Options of {@link startDashboardProcess}. */
export interface DashboardProcessOptions {
  /** Prefix the command (e.g. `['prlimit', '--fsize=…', '--']`). */
  wrapper?: string[];
  cwd?: string;
}

/** Spawns `main.ts` with exactly `env` (plus PATH) and resolves once it listens; rejects with its output if it exits first. */
export async function startDashboardProcess(env: Record<string, string>, options: DashboardProcessOptions = {}): Promise<DashboardProcess> {
  const [command, ...args] = [...(options.wrapper ?? []), process.execPath, '--import', 'tsx', MAIN];
  const child = spawn(command!, args, { cwd: options.cwd ?? ROOT, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', PORT: '0', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.stderr!.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on http:\/\/localhost:(\d+)/.exec(output);
      if (match) resolve(`http://127.0.0.1:${match[1]}`);
    });
    void exited.then((code) => reject(new Error(`the dashboard exited (${code}) before listening:\n${output}`)));
  });
  return {
    child,
    url,
    output: () => output,
    exited,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await once(child, 'exit').catch(() => {});
      }
    },
  };
}
