/**
 * `/admin/setup`: the *Set-up check* — the same checks as `npm run doctor`, run read-only
 * against this instance's own configuration, with the fix for each problem in the Okta Admin
 * Console's words. `?user=<login>` adds which role that person would get.
 * @see docs/doctor.md
 */
import { Hono } from 'hono';
import type { FC } from 'hono/jsx';
import { requirePermission } from '@gatehouse/auth/hono';
import { runDoctor, type CheckStatus, type DoctorReport } from '@gatehouse/doctor';
import type { AuthEnv, AppDeps } from '../../../app-context.ts';
import { DataTable, Notice, PageHeader, formatTime } from '../../../views/components.tsx';
import { Layout } from '../../../views/layout.tsx';
import { AdminNav } from '../nav.tsx';

const BADGES: Record<CheckStatus, [string, string]> = {
  ok: ['success', 'OK'],
  warning: ['muted', 'Warning'],
  problem: ['failure', 'Problem'],
  skipped: ['muted', 'Skipped'],
};

// 254: the longest email address, which is what Okta logins are; anything longer is not a login.
const MAX_LOGIN_LENGTH = 254;

/** A `user` query value usable as an Okta login, or null. */
function loginParam(value: string | undefined): string | null {
  const login = value?.trim() ?? '';
  return login && login.length <= MAX_LOGIN_LENGTH && !/[\s\p{Cc}]/u.test(login) ? login : null;
}

const Findings: FC<{ report: DoctorReport }> = ({ report }) => (
  <DataTable columns={['Check', 'Result', 'Found', 'Fix']}>
    {report.findings.map((finding) => {
      const [tone, label] = BADGES[finding.status];
      return (
        <tr id={`check-${finding.id}`}>
          <th scope="row">{finding.title}</th>
          <td><span class={`badge badge--${tone}`}>{label}</span></td>
          <td>{finding.found}</td>
          <td>{finding.status === 'problem' || finding.status === 'warning' ? finding.fix ?? '' : ''}</td>
        </tr>
      );
    })}
  </DataTable>
);

/** `GET /setup` (mounted under `/admin`): runs the checks and shows them; needs `settings:read`. */
export function setupRoutes(deps: AppDeps): Hono<AuthEnv> {
  const app = new Hono<AuthEnv>();

  app.get('/setup', async (c) => {
    const auth = requirePermission(c, 'settings:read');
    const raw = c.req.query('user');
    const user = loginParam(raw);
    const report = await runDoctor(deps.config, {
      ...(user ? { user } : {}),
      // This instance's stores are already open: count on them rather than opening a second connection.
      probeStore: async () => `${await deps.auth.sessions.count()} active sessions`,
    });
    deps.logger.info({ problems: report.problems, warnings: report.warnings }, 'set-up check run');
    return c.html(
      <Layout title="Set-up check" auth={auth} path="/admin/setup">
        <AdminNav current="/admin/setup" />
        <section class="card" aria-labelledby="setup-title">
          <PageHeader id="setup-title" title="Set-up check" lead={`The checks of npm run doctor against this instance's configuration (${deps.config.okta.issuer}), read-only: nothing in Okta is changed.`} />
          {raw !== undefined && raw !== '' && !user && <Notice kind="error">That is not an Okta login; the role check was left out.</Notice>}
          {report.problems > 0
            ? <Notice kind="error">{report.problems} problem{report.problems > 1 ? 's' : ''} and {report.warnings} warning{report.warnings === 1 ? '' : 's'}: people will fail to sign in or get the wrong role until they are fixed.</Notice>
            : <Notice kind={report.warnings > 0 ? 'warning' : 'success'}>No problems{report.warnings > 0 ? `, ${report.warnings} warning${report.warnings === 1 ? '' : 's'}` : ''}. Checked {formatTime(new Date(report.startedAt))}.</Notice>}
          <form method="get" action="/admin/setup" class="filters" aria-label="Check one user's role">
            <div class="field">
              <label for="setup-user">Which role would this Okta user get? (login)</label>
              <input id="setup-user" name="user" type="text" autocomplete="off" maxlength={MAX_LOGIN_LENGTH} value={user ?? ''} />
            </div>
            <button type="submit" class="button">Check</button>
          </form>
          <Findings report={report} />
        </section>
      </Layout>,
    );
  });

  return app;
}
