/**
 * `/admin/roles`: the read-only group → role → permission table, from config
 * (`GATEHOUSE_*_GROUPS`) and the one `ROLE_PERMISSIONS` table of the auth package.
 */
import { Hono } from 'hono';
import { ROLE_PERMISSIONS } from '@gatehouse/auth';
import { requirePermission } from '@gatehouse/auth/hono';
import type { AuthEnv, Role } from '../../auth.ts';
import type { AppDeps } from '../../deps.ts';
import { PageHeader } from '../../views/components.tsx';
import { Layout } from '../../views/layout.tsx';
import { AdminNav } from './nav.tsx';

/** `GET /roles` (mounted under `/admin`): the group → role → permission table; needs `settings:read`. */
export function roleRoutes(deps: AppDeps): Hono<AuthEnv> {
  const app = new Hono<AuthEnv>();

  app.get('/roles', (c) => {
    const auth = requirePermission(c, 'settings:read');
    const roles = Object.keys(ROLE_PERMISSIONS) as Role[];
    return c.html(
      <Layout title="Roles" auth={auth} path="/admin/roles">
        <AdminNav current="/admin/roles" config={deps.config} />
        <section class="card" aria-labelledby="roles-title">
          <PageHeader id="roles-title" title="Roles and permissions" lead="Okta groups grant roles; roles grant permissions. Read-only: groups are set with GATEHOUSE_ADMIN_GROUPS and GATEHOUSE_VIEWER_GROUPS." />
          <div class="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Okta groups (exact names)</th>
                  <th scope="col">Role</th>
                  <th scope="col">Permissions</th>
                </tr>
              </thead>
              <tbody>
                {roles.map((role) => (
                  <tr>
                    <td>{deps.config.roles[role].length > 0 ? deps.config.roles[role].map((group) => <><code>{group}</code> </>) : <span class="empty">none configured</span>}</td>
                    <td><span class={`badge badge--${role}`}>{role}</span></td>
                    <td>{ROLE_PERMISSIONS[role].map((permission) => <><code>{permission}</code> </>)}</td>
                  </tr>
                ))}
                <tr>
                  <td>any other group, or none</td>
                  <td><span class="badge badge--muted">no role</span></td>
                  <td>none: every page shows "no access"</td>
                </tr>
              </tbody>
            </table>
          </div>
        </section>
      </Layout>,
    );
  });

  return app;
}
