/**
 * Where the configuration comes from: the process environment, the repository's `.env` (for
 * development), `NAME_FILE` secrets (for Docker/Kubernetes secrets) and, in development only, a
 * generated session secret persisted under `./data`. This is the one place that reads
 * `process.env` and the file system for config; `schema.ts` does the validating.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseEnv } from 'node:util';
import { randomToken } from '../crypto.ts';
import { ConfigError, type ConfigIssue } from './errors.ts';
import { MIN_SECRET_LENGTH, SECRET_VARIABLES, parseConfig, type GatehouseConfig } from './schema.ts';

/** Where {@link loadConfig} looks for the `.env` file and resolves relative paths. */
export interface LoadConfigOptions {
  /** Path of a `.env` file, or `false` for none. Default: `<repository root>/.env` when present. */
  envFile?: string | false;
  /** Directory relative paths (`NAME_FILE`, `./data`) resolve against. Default: `process.cwd()`. */
  cwd?: string;
}

/**
 * Reads and validates the configuration once, at start-up. Real environment variables win over
 * `.env`; each secret may be given as `NAME_FILE` (file contents, trimmed) but not both ways.
 * Throws {@link ConfigError} listing every problem with its fix.
 */
export function loadConfig(env: Record<string, string | undefined> = process.env, options: LoadConfigOptions = {}): GatehouseConfig {
  const cwd = resolve(options.cwd ?? process.cwd());
  const issues: ConfigIssue[] = [];
  const merged: Record<string, string | undefined> = { ...readEnvFile(options.envFile, cwd, issues) };
  for (const [name, value] of Object.entries(env)) if (value !== undefined) merged[name] = value;

  for (const name of SECRET_VARIABLES) {
    const fileVariable = `${name}_FILE`;
    const path = merged[fileVariable]?.trim();
    if (!path) continue;
    if (merged[name]?.trim()) {
      issues.push({ field: fileVariable, message: `${name} and ${fileVariable} are both set; set only one of them` });
      continue;
    }
    try {
      const contents = readFileSync(resolve(cwd, path), 'utf8').trim();
      if (!contents) issues.push({ field: fileVariable, message: `${fileVariable} points at an empty file (${path})` });
      merged[name] = contents;
    } catch (error) {
      issues.push({ field: fileVariable, message: `${fileVariable} points at a file that cannot be read (${resolve(cwd, path)}: ${secretFileProblem(error, name)})` });
    }
  }

  const nodeEnv = merged.NODE_ENV?.trim() || 'development';
  const generatedSessionSecret = nodeEnv === 'development' && !merged.SESSION_SECRET?.trim() ? persistedDevelopmentSecret(resolve(cwd, merged.GATEHOUSE_DATA_DIR?.trim() || 'data')) : undefined;

  let config: GatehouseConfig;
  try {
    config = parseConfig(merged, generatedSessionSecret === undefined ? {} : { generatedSessionSecret });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    // A secret whose file failed is reported once, as NAME_FILE, not again as a missing NAME.
    throw new ConfigError([...issues, ...error.issues.filter((issue) => !issues.some((known) => known.field === `${issue.field}_FILE`))]);
  }
  if (issues.length > 0) throw new ConfigError(issues);
  return config;
}

/** Why a `NAME_FILE` could not be read, and what to do about it. */
function secretFileProblem(error: unknown, name: string): string {
  const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
  switch (code) {
    case 'ENOENT':
      return `ENOENT: no such file; mount the secret there (Kubernetes: the Secret's key ${name}) or fix ${name}_FILE`;
    case 'EACCES':
    case 'EPERM':
      return `${code}: not readable by the user running Gatehouse (uid ${process.getuid?.() ?? '?'}); give that user or its group read access (Kubernetes: fsGroup and defaultMode 0440)`;
    case 'EISDIR':
      return `EISDIR: it is a directory; point ${name}_FILE at the file inside it`;
    default:
      return code;
  }
}

function readEnvFile(envFile: string | false | undefined, cwd: string, issues: ConfigIssue[]): Record<string, string> {
  if (envFile === false) return {};
  const path = envFile === undefined ? join(repositoryRoot(cwd), '.env') : resolve(cwd, envFile);
  if (!existsSync(path)) {
    if (envFile !== undefined) issues.push({ field: '.env', message: `The env file ${path} does not exist` });
    return {};
  }
  try {
    return parseEnv(readFileSync(path, 'utf8')) as Record<string, string>;
  } catch (error) {
    issues.push({ field: '.env', message: `The env file ${path} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'parse error'})` });
    return {};
  }
}

/** The nearest directory at or above `start` whose package.json declares workspaces; else `start`. */
function repositoryRoot(start: string): string {
  for (let dir = start; ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        if ((JSON.parse(readFileSync(manifest, 'utf8')) as { workspaces?: unknown }).workspaces) return dir;
      } catch {
        // An unreadable package.json is not the root marker; keep walking up.
      }
    }
    if (dirname(dir) === dir) return start;
  }
}

/**
 * Development convenience: a random session secret kept in `<data dir>/session-secret` (mode 600)
 * so sessions survive a restart without anyone having to invent a secret. Never used in production.
 * Falls back to an ephemeral secret (returns undefined) when the data dir is not writable.
 */
function persistedDevelopmentSecret(dataDir: string): string | undefined {
  const path = join(dataDir, 'session-secret');
  const read = () => {
    const existing = readFileSync(path, 'utf8').trim();
    return existing.length >= MIN_SECRET_LENGTH && !existing.includes(',') ? existing : undefined;
  };
  try {
    if (existsSync(path)) return read();
    mkdirSync(dirname(path), { recursive: true });
    const secret = randomToken(48);
    try {
      // 'wx': two processes starting at once must end up with the same secret, not overwrite each other.
      writeFileSync(path, `${secret}\n`, { mode: 0o600, flag: 'wx' });
      return secret;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') return read();
      throw error;
    }
  } catch {
    return undefined;
  }
}
