/**
 * Opens the configured stores: sessions and login transactions on SQLite, PostgreSQL or Redis
 * (`DATABASE_URL`, `REDIS_URL`), the audit log on `DATABASE_URL`.
 */
export { openStores, type OpenedStores as OpenStores, type OpenStoresOptions } from '@gatehouse/auth/stores/factory';
export { schedulePurge } from '@gatehouse/auth/stores/purge';
