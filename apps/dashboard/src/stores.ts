/**
 * Opens the configured stores (SQLite today: sessions, login transactions, audit log).
 * Mirrors `openStores` of `packages/auth/src/stores/factory.ts`, which the auth package does not
 * export yet; once it does (`@gatehouse/auth/stores/factory`), this file becomes a re-export.
 */
import { ConfigError, type GatehouseConfig } from '@gatehouse/auth/config';
import { SqliteAuditLog, SqliteSessionStore } from '@gatehouse/auth/stores/sqlite';
import type { AuditLog, SessionStore, TransactionStore } from './auth.ts';

export interface OpenStores {
  sessions: SessionStore & TransactionStore;
  audit: AuditLog;
  close(): Promise<void>;
}

export async function openStores(config: GatehouseConfig): Promise<OpenStores> {
  if (config.redisUrl !== null || !config.databaseUrl.startsWith('file:')) {
    throw new ConfigError([{ field: config.redisUrl !== null ? 'REDIS_URL' : 'DATABASE_URL', message: 'Only the SQLite store (DATABASE_URL=file:…) is supported by this release' }]);
  }
  const sessions = SqliteSessionStore.open(config.databaseUrl);
  let audit: AuditLog;
  try {
    audit = SqliteAuditLog.open(config.databaseUrl);
  } catch (err) {
    await sessions.close();
    throw err;
  }
  return {
    sessions,
    audit,
    async close() {
      await Promise.allSettled([sessions.close(), audit.close()]);
    },
  };
}
