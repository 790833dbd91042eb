/**
 * Opening the embedded SQLite database (Node's built-in `node:sqlite`, no native addon) from a
 * `DATABASE_URL` of the form `file:./data/gatehouse.db`, `file:/abs/path.db` or `file::memory:`.
 */
import { accessSync, constants, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '../config/errors.ts';

/** The file path (or `:memory:`) a `file:` database URL names. */
export function sqlitePath(databaseUrl: string): string {
  if (!databaseUrl.startsWith('file:')) {
    throw new ConfigError([{ field: 'DATABASE_URL', message: 'DATABASE_URL must start with file: for SQLite (e.g. file:./data/gatehouse.db or file::memory:)' }]);
  }
  const rest = databaseUrl.slice('file:'.length).split('?', 1)[0]!;
  if (rest === ':memory:') return ':memory:';
  const path = rest.startsWith('//') ? fileURLToPath(`file:${rest}`) : rest;
  if (!path) throw new ConfigError([{ field: 'DATABASE_URL', message: 'DATABASE_URL names no file; use e.g. file:./data/gatehouse.db' }]);
  return resolve(path);
}

/**
 * Opens the database with the settings every Gatehouse table relies on: WAL (readers never block
 * the writer, several connections share the file), `synchronous=NORMAL` (durable across process
 * crashes; the safe pairing with WAL) and a 5 s busy timeout for concurrent writers.
 */
export function openSqlite(databaseUrl: string): DatabaseSync {
  const path = sqlitePath(databaseUrl);
  if (path === ':memory:') return configure(new DatabaseSync(path, { timeout: 5000 }));
  const dir = dirname(path);
  try {
    mkdirSync(dir, { recursive: true });
    // SQLite needs to create its -wal and -shm files beside the database: the directory must be writable.
    accessSync(dir, constants.W_OK);
  } catch (error) {
    throw new ConfigError([{ field: 'DATABASE_URL', message: `DATABASE_URL: the directory of the SQLite file, ${dir}, ${fsProblem(error)}; ${FIX}` }], { cause: error });
  }
  let db: DatabaseSync | undefined;
  try {
    db = new DatabaseSync(path, { timeout: 5000 });
    return configure(db);
  } catch (error) {
    db?.close();
    const reason = error instanceof Error ? error.message : String(error);
    throw new ConfigError([{ field: 'DATABASE_URL', message: `DATABASE_URL: the SQLite file ${path} cannot be opened for writing (${reason}); check that the file and ${dir} belong to the user running Gatehouse (uid ${process.getuid?.() ?? '?'}), or ${FIX}` }], { cause: error });
  }
}

const FIX = 'make it writable by the user running Gatehouse, or point GATEHOUSE_DATA_DIR (or DATABASE_URL=file:…) at a writable directory, e.g. a mounted volume';

function configure(db: DatabaseSync): DatabaseSync {
  db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;');
  return db;
}

/** "is not writable (EACCES)", "is on a read-only file system (EROFS)", … for a start-up message. */
export function fsProblem(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | null)?.code ?? 'unknown error';
  const what: Record<string, string> = {
    EACCES: 'is not writable by this user',
    EPERM: 'is not writable by this user',
    EROFS: 'is on a read-only file system',
    ENOTDIR: 'is not a directory (a file is in the way)',
    ENOSPC: 'is on a full disk',
  };
  return `${what[code] ?? 'cannot be used'} (${code})`;
}
