/**
 * `/admin/health`: sign-in health — failures by reason over the last hour and day, the latest
 * failures, who was given the admin role, and for each reason what it means and how to fix it in Okta.
 */
import { Hono } from 'hono';
import type { FC } from 'hono/jsx';
import { requirePermission } from '@gatehouse/auth/hono';
import type { AuthEnv, AppDeps } from '../../../app-context.ts';
import { DataTable, PageHeader, Stat } from '../../../views/components.tsx';
import { Layout } from '../../../views/layout.tsx';
import { LiveRegion } from '../../live/region.tsx';
import { AuditTable } from '../audit/index.tsx';
import { AdminNav } from '../nav.tsx';
import { adviceFor } from './reasons.ts';

const HOUR_MS = 3_600_000;
// 30 days: a new admin is worth seeing for a month, whoever looks at the page.
const GRANTS_SHOWN_DAYS = 30;

/** Advice text with `backticked` names shown as code. */
const Advice: FC<{ text: string }> = ({ text }) => (
  <>{text.split('`').map((part, index) => (index % 2 === 1 ? <code>{part}</code> : part))}</>
);

/** How often one reason occurred, for the sign-in health page. */
export interface ReasonCount {
  reason: string;
  /** Occurrences in the last hour. */
  hour: number;
  /** Occurrences in the last 24 hours. */
  day: number;
  /** `failure`: the sign-in or request failed; `warning`: signed in, but e.g. without a usable groups claim. */
  kind: 'failure' | 'warning';
}

// 1000: the audit log's page limit; a day with more flawed sign-ins than that is counted as 1000+.
const WARNING_SCAN_LIMIT = 1000;

/**
 * Reasons with their counts over the last hour and day, busiest first: failures, plus sign-ins
 * that succeeded with a problem (the auth core records `groups_claim_missing` on a successful
 * sign-in that therefore got no role).
 */
export async function failureSummary(deps: AppDeps, now: number): Promise<ReasonCount[]> {
  const hourAgo = now - HOUR_MS;
  const dayAgo = now - 24 * HOUR_MS;
  const [hour, day, flawed] = await Promise.all([
    deps.audit.countFailuresByReason(hourAgo),
    deps.audit.countFailuresByReason(dayAgo),
    deps.audit.query({ type: 'signin.succeeded', since: dayAgo, limit: WARNING_SCAN_LIMIT }),
  ]);
  const reasons = new Map<string, ReasonCount>();
  const entry = (reason: string, kind: ReasonCount['kind']) => {
    const key = `${kind}:${reason}`;
    let found = reasons.get(key);
    if (!found) reasons.set(key, (found = { reason, hour: 0, day: 0, kind }));
    return found;
  };
  for (const row of day) entry(row.reason, 'failure').day = row.count;
  for (const row of hour) entry(row.reason, 'failure').hour = row.count;
  for (const event of flawed) {
    if (!event.reason) continue;
    const row = entry(event.reason, 'warning');
    row.day++;
    if (event.at >= hourAgo) row.hour++;
  }
  return [...reasons.values()].sort((a, b) => b.day - a.day || a.reason.localeCompare(b.reason));
}

/** `GET /health` (mounted under `/admin`): the sign-in health page; needs `audit:read`. */
export function healthRoutes(deps: AppDeps): Hono<AuthEnv> {
  const app = new Hono<AuthEnv>();

  app.get('/health', async (c) => {
    const auth = requirePermission(c, 'audit:read');
    const now = Date.now();
    const [summary, latest, flawed, grants] = await Promise.all([
      failureSummary(deps, now),
      deps.audit.query({ result: 'failure', limit: 20 }),
      deps.audit.query({ type: 'signin.succeeded', since: now - 24 * HOUR_MS, limit: WARNING_SCAN_LIMIT }),
      deps.audit.query({ type: 'role.granted', since: now - GRANTS_SHOWN_DAYS * 24 * HOUR_MS, limit: 20 }),
    ]);
    const latestFlawed = flawed.filter((event) => event.reason).slice(0, 10);
    const total = (key: 'hour' | 'day') => summary.reduce((sum, row) => sum + row[key], 0);
    return c.html(
      <Layout title="Sign-in health" auth={auth} path="/admin/health">
        <AdminNav current="/admin/health" config={deps.config} />
        <PageHeader title="Sign-in health" lead="Why sign-ins and requests fail, and what to change in Okta." />
        <LiveRegion id="live-health" topics={['audit']} label="Sign-in health">
        <div class="stats">
          <Stat label="Problems, last hour" value={total('hour')} />
          <Stat label="Problems, last 24 hours" value={total('day')} />
          <Stat label="Distinct reasons (24 h)" value={summary.length} />
        </div>
        <section class="card" aria-labelledby="reasons-title">
          <h2 id="reasons-title">Problems by reason</h2>
          {summary.length === 0 ? (
            <p class="empty">No failures or flawed sign-ins in the last 24 hours.</p>
          ) : (
            <DataTable columns={['Reason', 'Kind', { label: 'Last hour', class: 'num' }, { label: 'Last 24 h', class: 'num' }, 'What it usually means', 'How to fix it']}>
              {summary.map((row) => {
                const advice = adviceFor(row.reason);
                return (
                  <tr>
                    <td><code>{row.reason}</code></td>
                    <td>{row.kind === 'failure' ? <span class="badge badge--failure">failed</span> : <span class="badge badge--muted">signed in, no role</span>}</td>
                    <td class="num">{row.hour}</td>
                    <td class="num">{row.day}</td>
                    <td><Advice text={advice.meaning} /></td>
                    <td><Advice text={advice.fix} /></td>
                  </tr>
                );
              })}
            </DataTable>
          )}
        </section>
        <section class="card" aria-labelledby="grants-title">
          <div class="card__header">
            <h2 id="grants-title">Admin role granted</h2>
            <a href="/admin/audit?type=role.granted">All grants in the audit log</a>
          </div>
          {grants.length === 0 ? (
            <p class="empty">Nobody was given the admin role here in the last {GRANTS_SHOWN_DAYS} days.</p>
          ) : (
            <AuditTable events={grants} />
          )}
        </section>
        <section class="card" aria-labelledby="latest-title">
          <div class="card__header">
            <h2 id="latest-title">Latest failures</h2>
            <a href="/admin/audit?result=failure">All failures in the audit log</a>
          </div>
          <AuditTable events={latest} />
        </section>
        {latestFlawed.length > 0 && (
          <section class="card" aria-labelledby="flawed-title">
            <h2 id="flawed-title">Recent sign-ins with a problem</h2>
            <AuditTable events={latestFlawed} />
          </section>
        )}
        </LiveRegion>
      </Layout>,
    );
  });

  return app;
}
