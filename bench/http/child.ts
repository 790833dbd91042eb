/**
 * The benchmark's processes: the server under test, the reference server, the emulator and the
 * load generator each run in a child process of their own (`fork` with tsx), so no two of them
 * share an event loop. A child announces itself with `{ type: 'ready', … }` and then answers
 * calls: `{ id, call, args }` → `{ id, result }` or `{ id, error }`.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';

interface Reply {
  id: number;
  result?: unknown;
  error?: string;
}

// Linux's USER_HZ: /proc times are in 1/100 s on every architecture Node runs on.
const CLOCK_TICKS = 100;
// 15 min for one call: the longest (a six-figure sign-in run) takes minutes on a busy machine.
const CALL_TIMEOUT_MS = 900_000;
// 60 s to start: tsx compiles the dashboard's sources on first import, slow on a loaded box.
const READY_TIMEOUT_MS = 60_000;

/** A forked child speaking the protocol above. */
export class Child<Ready extends object = object> {
  readonly #process: ChildProcess;
  readonly #pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  #nextId = 1;
  readonly ready: Promise<Ready>;

  private constructor(file: URL, readonly name: string, env: Record<string, string>, quiet: boolean) {
    // stdout is dropped for the servers: request logs are written as in production (to fd 1), and a
    // log collector's pipe is not what is measured. stderr stays visible, so a crash says why.
    this.#process = fork(file, [], {
      execArgv: ['--import', 'tsx', '--expose-gc'],
      env: { ...process.env, ...env },
      stdio: ['ignore', quiet ? 'ignore' : 'inherit', 'inherit', 'ipc'],
    });
    this.ready = new Promise<Ready>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${name} did not start within ${READY_TIMEOUT_MS / 1000} s`)), READY_TIMEOUT_MS);
      this.#process.once('exit', (code, signal) => {
        clearTimeout(timer);
        const error = new Error(`${name} exited (${code ?? signal})`);
        reject(error);
        for (const waiter of this.#pending.values()) waiter.reject(error);
        this.#pending.clear();
      });
      this.#process.on('message', (message: { type?: string } & Partial<Reply>) => {
        if (message.type === 'ready') {
          clearTimeout(timer);
          resolve(message as Ready);
          return;
        }
        const waiter = message.id === undefined ? undefined : this.#pending.get(message.id);
        if (!waiter) return;
        this.#pending.delete(message.id!);
        if (message.error !== undefined) waiter.reject(new Error(`${name}: ${message.error}`));
        else waiter.resolve(message.result);
      });
    });
  }

  /** Forks `file` (a URL relative to the caller's module) with `env` added to this process's environment. */
  static start<Ready extends object>(file: URL, name: string, env: Record<string, string> = {}, options: { quiet?: boolean } = {}): Child<Ready> {
    return new Child<Ready>(file, name, env, options.quiet ?? false);
  }

  get pid(): number {
    return this.#process.pid!;
  }

  /** Calls `call` in the child and resolves with its result. */
  call<T>(call: string, ...args: unknown[]): Promise<T> {
    const id = this.#nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new Error(`${this.name}: ${call} did not answer within ${CALL_TIMEOUT_MS / 1000} s`));
      }, CALL_TIMEOUT_MS);
      this.#pending.set(id, {
        resolve: (value) => {
          clearTimeout(timer);
          resolve(value as T);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      this.#process.send({ id, call, args });
    });
  }

  /** Resident set size in MiB, as the kernel counts it (`/proc/<pid>/status`). */
  rssMib(): number {
    const status = readFileSync(`/proc/${this.pid}/status`, 'utf8');
    return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN) / 1024;
  }

  /** CPU time the child has used so far (user + system), in seconds (`/proc/<pid>/stat`). */
  cpuSeconds(): number {
    // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
    const fields = readFileSync(`/proc/${this.pid}/stat`, 'utf8').split(') ').at(-1)!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  }

  /** Asks the child to stop (`stop` call), then kills it if it has not exited within 15 s. */
  async stop(): Promise<void> {
    if (this.#process.exitCode !== null || this.#process.signalCode !== null) return;
    const exited = new Promise((resolve) => this.#process.once('exit', resolve));
    const timer = setTimeout(() => this.#process.kill('SIGKILL'), 15_000);
    this.#process.send({ id: 0, call: 'stop', args: [] });
    await exited;
    clearTimeout(timer);
  }
}

/** Child side: announces `ready` and answers calls with `handlers`; `stop` runs `onStop`, then exits. */
export function serveCalls(ready: object, handlers: Record<string, (...args: never[]) => unknown>, onStop: () => Promise<void> | void = () => {}): void {
  process.on('message', (message: { id: number; call: string; args: never[] }) => {
    if (message.call === 'stop') {
      void Promise.resolve(onStop()).finally(() => process.exit(0));
      return;
    }
    const handler = handlers[message.call];
    Promise.resolve()
      .then(() => {
        if (!handler) throw new Error(`no such call: ${message.call}`);
        return handler(...message.args);
      })
      .then(
        (result) => process.send!({ id: message.id, result }),
        (err: unknown) => process.send!({ id: message.id, error: err instanceof Error ? err.message : String(err) }),
      );
  });
  // Without the parent there is nobody to answer: do not linger as an orphan holding a port.
  process.on('disconnect', () => process.exit(0));
  process.send!({ type: 'ready', ...ready });
}
