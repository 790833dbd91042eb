/**
 * Picks the stores the configuration asks for. Today: SQLite (`DATABASE_URL=file:…`, the default)
 * for sessions, login transactions and the audit log. PostgreSQL and Redis come in a later issue;
 * asking for them fails at start-up with a clear message instead of silently using SQLite.
 */
import { ConfigError } from '../config/errors.ts';
import type { GatehouseConfig } from '../config/schema.ts';
import type { AuditLog, SessionStore, TransactionStore } from '../types.ts';
import { SqliteAuditLog, SqliteSessionStore } from './sqlite.ts';

/** Opens the session/transaction store and the audit log; `close` closes both. */
export async function openStores(config: GatehouseConfig): Promise<{ sessions: SessionStore & TransactionStore; audit: AuditLog; close(): Promise<void> }> {
  if (config.redisUrl !== null) {
    throw new ConfigError([{ field: 'REDIS_URL', message: 'REDIS_URL is not supported yet (the Redis session store comes in a later release); unset it to use the SQLite store' }]);
  }
  if (!config.databaseUrl.startsWith('file:')) {
    throw new ConfigError([{ field: 'DATABASE_URL', message: 'DATABASE_URL: PostgreSQL is not supported yet (it comes in a later release); use file:./data/gatehouse.db (SQLite)' }]);
  }
  const sessions = SqliteSessionStore.open(config.databaseUrl);
  let audit: AuditLog;
  try {
    audit = SqliteAuditLog.open(config.databaseUrl);
  } catch (error) {
    await sessions.close();
    throw error;
  }
  return {
    sessions,
    audit,
    async close() {
      await Promise.allSettled([sessions.close(), audit.close()]);
    },
  };
}
