/**
 * `/admin/audit`: the audit log, newest first, filtered by user (email or Okta id), event type and
 * result; keyset-paginated (`before=<id>`) so deep pages stay cheap.
 */
import { Hono } from 'hono';
import type { FC } from 'hono/jsx';
import { requirePermission } from '@gatehouse/auth/hono';
import { z } from 'zod';
import type { AuditEventType, AuditQuery, AuthEnv, StoredAuditEvent, AppDeps } from '../../../app-context.ts';
import { DataTable, formatTime, PageHeader, ResultBadge } from '../../../views/components.tsx';
import { Layout } from '../../../views/layout.tsx';
import { LiveRegion } from '../../live/region.tsx';
import { BadRequestPage } from '../../../views/status-pages.tsx';
import { AdminNav } from '../nav.tsx';

/** Every audit event type, in the order the type filter offers them. */
export const AUDIT_EVENT_TYPES = [
  'signin.started',
  'signin.succeeded',
  'signin.failed',
  'signout',
  'refresh.succeeded',
  'refresh.failed',
  'session.revoked',
  'access.denied',
  'stepup.required',
  'admin.action',
  'role.granted',
  'lifecycle.event',
] as const satisfies readonly AuditEventType[];

const PAGE_SIZE = 50;

const blank = (value: unknown) => (value === '' ? undefined : value);

/** Query string of `/admin/audit`: blank fields mean "any"; unknown values fail (a 400 page). */
export const auditFilterSchema = z.object({
  /** An email (contains `@`) or an Okta user id. */
  user: z.preprocess(blank, z.string().trim().max(200).optional()),
  type: z.preprocess(blank, z.enum(AUDIT_EVENT_TYPES).optional()),
  result: z.preprocess(blank, z.enum(['success', 'failure']).optional()),
  /** Keyset cursor: show events with a smaller id. */
  before: z.preprocess(blank, z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER).optional()),
});
/** A parsed `/admin/audit` filter. */
export type AuditFilter = z.infer<typeof auditFilterSchema>;

/** The store query for a filter: a value with `@` is an email, anything else an Okta user id. */
export function toAuditQuery(filter: AuditFilter, limit: number): AuditQuery {
  return {
    limit,
    ...(filter.user ? (filter.user.includes('@') ? { email: filter.user } : { sub: filter.user }) : {}),
    ...(filter.type ? { type: filter.type } : {}),
    ...(filter.result ? { result: filter.result } : {}),
    ...(filter.before ? { before: filter.before } : {}),
  };
}

function filterLink(filter: AuditFilter, before?: number): string {
  const params = new URLSearchParams();
  if (filter.user) params.set('user', filter.user);
  if (filter.type) params.set('type', filter.type);
  if (filter.result) params.set('result', filter.result);
  if (before !== undefined) params.set('before', String(before));
  const query = params.toString();
  return query ? `/admin/audit?${query}` : '/admin/audit';
}

// Written by the audit spool on replay (`@gatehouse/auth/stores/audit-spool`): shown as the delay, not as details.
const SPOOL_MARKERS = new Set(['spoolId', 'delayedSeconds']);

function describeDetail(event: StoredAuditEvent): string {
  const parts: string[] = [];
  if (event.reason) parts.push(`reason: ${event.reason}`);
  for (const [key, value] of Object.entries(event.detail ?? {})) if (!SPOOL_MARKERS.has(key)) parts.push(`${key}: ${String(value)}`);
  return parts.join(' · ');
}

/** Audit events as a table (used here and on the sign-in health page). */
export const AuditTable: FC<{ events: StoredAuditEvent[] }> = ({ events }) => {
  if (events.length === 0) return <p class="empty">No events match.</p>;
  return (
    <DataTable columns={['Time', 'Event', 'Result', 'User', 'Details', 'Client']}>
      {events.map((event) => (
        <tr data-live-key={String(event.id)}>
          <td>
            {formatTime(event.at)}
            {typeof event.detail?.delayedSeconds === 'number' && <><br /><small>written {event.detail.delayedSeconds} s late (store outage)</small></>}
          </td>
          <td><code>{event.type}</code></td>
          <td><ResultBadge result={event.result} /></td>
          <td>{event.email ?? event.sub ?? '—'}</td>
          <td>{describeDetail(event) || '—'}</td>
          <td>{[event.userAgent, event.ip].filter(Boolean).join(' · ') || '—'}</td>
        </tr>
      ))}
    </DataTable>
  );
};

/** `GET /audit` (mounted under `/admin`): the audit log page, 50 events per page; needs `audit:read`. */
export function auditRoutes(deps: AppDeps): Hono<AuthEnv> {
  const app = new Hono<AuthEnv>();

  app.get('/audit', async (c) => {
    const auth = requirePermission(c, 'audit:read');
    const parsed = auditFilterSchema.safeParse(c.req.query());
    if (!parsed.success) {
      return c.html(<BadRequestPage auth={auth} message={`Unknown filter. Event types: ${AUDIT_EVENT_TYPES.join(', ')}; results: success, failure.`} back="/admin/audit" />, 400);
    }
    const filter = parsed.data;
    const events = await deps.audit.query(toAuditQuery(filter, PAGE_SIZE + 1));
    const page = events.slice(0, PAGE_SIZE);
    const last = page.at(-1);
    const hasNext = events.length > PAGE_SIZE && last !== undefined;
    return c.html(
      <Layout title="Audit log" auth={auth} path="/admin/audit">
        <AdminNav current="/admin/audit" config={deps.config} />
        <section class="card" aria-labelledby="audit-title">
          <PageHeader id="audit-title" title="Audit log" lead="Sign-ins, sign-outs, access denials and admin actions, newest first." />
          <form method="get" action="/admin/audit" class="filters" role="search" aria-label="Filter the audit log">
            <div class="field">
              <label for="audit-user">User (email or Okta id)</label>
              <input id="audit-user" type="search" name="user" value={filter.user ?? ''} maxlength={200} />
            </div>
            <div class="field">
              <label for="audit-type">Event</label>
              <select id="audit-type" name="type">
                <option value="">All events</option>
                {AUDIT_EVENT_TYPES.map((type) => <option value={type} selected={type === filter.type}>{type}</option>)}
              </select>
            </div>
            <div class="field">
              <label for="audit-result">Result</label>
              <select id="audit-result" name="result">
                <option value="">Any result</option>
                <option value="success" selected={filter.result === 'success'}>Success</option>
                <option value="failure" selected={filter.result === 'failure'}>Failure</option>
              </select>
            </div>
            <button type="submit" class="button">Filter</button>
            {(filter.user || filter.type || filter.result) && <a class="button button--ghost" href="/admin/audit">Clear</a>}
          </form>
          <LiveRegion id="live-audit" topics={['audit']} label="Audit log">
            <AuditTable events={page} />
          </LiveRegion>
          <nav class="pagination" aria-label="Audit log pages">
            {filter.before !== undefined && <a class="button button--ghost" href={filterLink({ ...filter, before: undefined })}>Newest</a>}
            {hasNext && <a class="button button--ghost" href={filterLink(filter, last.id)}>Older</a>}
          </nav>
        </section>
      </Layout>,
    );
  });

  return app;
}
