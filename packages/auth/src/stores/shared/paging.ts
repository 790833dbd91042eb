/**
 * Paging every store shares, so the memory, SQLite, PostgreSQL and Redis stores clamp a list or an
 * audit query alike and return sessions in one order.
 */
import type { SessionRecord } from '../../types.ts';

/** Sessions per list page when no limit is given. 100: a page of the admin panel; callers ask for more explicitly. */
export const DEFAULT_LIST_LIMIT = 100;
/** Most sessions one list call returns. 1000: keeps one admin request from materializing an entire large store. */
export const MAX_LIST_LIMIT = 1000;

/** Clamps list/query paging input to sane integers. */
export function pageBounds(limit: number | undefined, offset: number | undefined): { limit: number; offset: number } {
  const safeLimit = Number.isFinite(limit) ? Math.min(Math.max(Math.trunc(limit!), 0), MAX_LIST_LIMIT) : DEFAULT_LIST_LIMIT;
  const safeOffset = Number.isFinite(offset) ? Math.max(Math.trunc(offset!), 0) : 0;
  return { limit: safeLimit, offset: safeOffset };
}

/** List order of every store: newest first, ties broken by the id's byte order, descending (as SQL's `ORDER BY created_at DESC, id DESC`). */
export function newestFirst(a: SessionRecord, b: SessionRecord): number {
  return b.createdAt - a.createdAt || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);
}

/** Audit events per query when no limit is given. */
export const DEFAULT_AUDIT_LIMIT = 100;
/** Most audit events one query returns (1000), so one audit page never materializes the whole log. */
export const MAX_AUDIT_LIMIT = 1000;

/** Clamps an audit query's limit. */
export function auditLimit(limit: number | undefined): number {
  return Number.isFinite(limit) ? Math.min(Math.max(Math.trunc(limit!), 0), MAX_AUDIT_LIMIT) : DEFAULT_AUDIT_LIMIT;
}
