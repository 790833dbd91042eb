/**
 * `/profile` (any role): who Gatehouse thinks you are — claims, groups, roles, permissions, the
 * session's start and expiry, and how you authenticated (`amr`). Never shows a token.
 */
import { Hono } from 'hono';
import { requirePermission } from '@gatehouse/auth/hono';
import type { AuthEnv } from '../../app-context.ts';
import { formatRelative, formatTime } from '../../views/components.tsx';
import { Layout, roleLabel } from '../../views/layout.tsx';

/** `amr` values (RFC 8176) in words. */
const AMR_LABELS: Record<string, string> = {
  pwd: 'password',
  mfa: 'multi-factor',
  otp: 'one-time code',
  sms: 'SMS',
  hwk: 'hardware key',
  swk: 'software key',
  kba: 'security question',
  fido: 'FIDO',
  face: 'face',
  fpt: 'fingerprint',
};

/** Claims shown as a table: display-only values, stringified; nothing secret lives in claims. */
function claimRows(claims: Record<string, unknown>): Array<[string, string]> {
  return Object.entries(claims)
    // `gh_*` are Gatehouse's own bookkeeping (when the identity was last checked), not ID token claims.
    .filter(([name, value]) => value !== undefined && !name.startsWith('gh_'))
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, value]) => {
      if ((name === 'auth_time' || name === 'iat' || name === 'exp') && typeof value === 'number') return [name, `${value} (${formatTime(value * 1000)})`];
      return [name, typeof value === 'string' ? value : JSON.stringify(value)];
    });
}

/**
 * The `/profile` sub-app: `GET /` shows the signed-in user's claims, groups, roles, permissions and
 * session; needs `profile:read`.
 * @see ARCHITECTURE.md "Routes"
 */
export function profileRoutes(): Hono<AuthEnv> {
  const app = new Hono<AuthEnv>();

  app.get('/', (c) => {
    const auth = requirePermission(c, 'profile:read');
    const user = auth.user!;
    const session = auth.session;
    const amr = Array.isArray(auth.claims.amr) ? (auth.claims.amr as unknown[]).filter((v): v is string => typeof v === 'string') : [];
    return c.html(
      <Layout title="Your profile" auth={auth} path="/profile">
        <h1 class="page-title">Your profile</h1>
        <p class="page-lead">What Gatehouse received from Okta when you signed in.</p>
        <div class="grid">
          <section class="card" aria-labelledby="identity-title">
            <h2 id="identity-title">Identity</h2>
            <dl class="kv">
              <dt>Name</dt><dd>{user.name ?? '—'}</dd>
              <dt>Email</dt><dd>{user.email ?? '—'}</dd>
              <dt>Okta user id</dt><dd><code>{user.sub}</code></dd>
              <dt>Role</dt><dd>{roleLabel(auth)}</dd>
              <dt>Groups</dt><dd>{user.groups.length > 0 ? user.groups.join(', ') : 'none'}</dd>
            </dl>
          </section>
          <section class="card" aria-labelledby="session-title">
            <h2 id="session-title">Session</h2>
            <dl class="kv">
              <dt>Signed in with</dt><dd>{auth.via === 'bearer' ? 'access token' : 'browser session'}</dd>
              <dt>Authentication</dt>
              <dd>{amr.length > 0 ? amr.map((value) => (Object.hasOwn(AMR_LABELS, value) ? AMR_LABELS[value] : value)).join(', ') : 'not reported'} {amr.length > 0 && <code>({amr.join(', ')})</code>}</dd>
              {session && (
                <>
                  <dt>Started</dt><dd>{formatTime(session.createdAt)}</dd>
                  <dt>Last seen</dt><dd>{formatTime(session.lastSeenAt)}</dd>
                  <dt>Expires if idle</dt><dd>{formatTime(session.expiresAt)} ({formatRelative(session.expiresAt.getTime())})</dd>
                  <dt>Expires at the latest</dt><dd>{formatTime(session.absoluteExpiresAt)}</dd>
                </>
              )}
            </dl>
          </section>
        </div>
        <section class="card" aria-labelledby="permissions-title">
          <h2 id="permissions-title">Permissions</h2>
          {auth.permissions.length > 0 ? (
            <ul>{auth.permissions.map((permission) => <li><code>{permission}</code></li>)}</ul>
          ) : <p class="empty">None.</p>}
        </section>
        <section class="card" aria-labelledby="claims-title">
          <h2 id="claims-title">ID token claims</h2>
          <div class="table-wrap">
            <table>
              <thead><tr><th scope="col">Claim</th><th scope="col">Value</th></tr></thead>
              <tbody>
                {claimRows(auth.claims).map(([name, value]) => (
                  <tr><td><code>{name}</code></td><td class="mono">{value}</td></tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
      </Layout>,
    );
  });

  return app;
}
