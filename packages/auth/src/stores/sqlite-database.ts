/**
 * Opening the embedded SQLite database (Node's built-in `node:sqlite`, no native addon) from a
 * `DATABASE_URL` of the form `file:./data/gatehouse.db`, `file:/abs/path.db` or `file::memory:`.
 */
import { mkdirSync } from 'node:fs';
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
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new DatabaseSync(path, { timeout: 5000 });
  db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;');
  return db;
}
