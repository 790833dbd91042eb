import type { Context } from 'hono';
import { OktaApiError } from './errors.ts';

/** Page size bounds of one list endpoint. */
export interface PageLimits {
  defaultLimit: number;
  maxLimit: number;
}

/**
 * Read `limit` and `after` from the query. A limit above the maximum is cut to it, as Okta does;
 * one that is not a positive integer is a validation error.
 */
export function readPage(c: Context, limits: PageLimits): { limit: number; after: string | undefined } {
  const raw = c.req.query('limit');
  let limit = limits.defaultLimit;
  if (raw !== undefined && raw !== '') {
    if (!/^\d+$/.test(raw) || Number(raw) < 1) {
      throw new OktaApiError(400, 'E0000001', 'Api validation failed: limit', { causes: ['limit: must be a positive integer'] });
    }
    limit = Math.min(Number(raw), limits.maxLimit);
  }
  const after = c.req.query('after') || undefined;
  return { limit, after };
}

/**
 * One page of an id-ordered list, with Okta's `Link` headers: `rel="self"` always and
 * `rel="next"` when more items follow. The cursor is the last id returned, so deleting items
 * between pages never skips or repeats the others.
 * @see https://developer.okta.com/docs/api/#link-header
 */
export function paginate<T extends { id: string }>(c: Context, orgUrl: string, items: T[], limits: PageLimits): T[] {
  const { limit, after } = readPage(c, limits);
  const start = after === undefined ? 0 : items.findIndex((item) => item.id > after);
  const page = start < 0 ? [] : items.slice(start, start + limit);
  const url = new URL(c.req.path, orgUrl);
  for (const [key, value] of new URL(c.req.url).searchParams) url.searchParams.append(key, value);
  // Okta's self link always carries the limit it used.
  url.searchParams.set('limit', String(limit));
  c.header('Link', `<${url.href}>; rel="self"`, { append: true });
  const last = page.at(-1);
  if (last && start + limit < items.length) {
    url.searchParams.set('after', last.id);
    c.header('Link', `<${url.href}>; rel="next"`, { append: true });
  }
  return page;
}
