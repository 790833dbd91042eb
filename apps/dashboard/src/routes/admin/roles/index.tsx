/**
 * `/admin/roles`: the read-only group → role → permission table, from config
 * (`GATEHOUSE_*_GROUPS`, `GATEHOUSE_ROLE_<ROLE>_GROUPS`) and the one RBAC table (`auth.rbac`): the
 * core roles and those the project's apps add.
 */
import { Hono } from 'hono';
import { requirePermission } from '@gatehouse/auth/hono';
import type { AuthEnv, AppDeps } from '../../../app-context.ts';
import { PageHeader } from '../../../views/components.tsx';
import { Layout } from '../../../views/layout.tsx';
import { AdminNav } from '../nav.tsx';

/** `GET /roles` (mounted under `/admin`): the group → role → permission table; needs `settings:read`. */
export function roleRoutes(deps: AppDeps): Hono<AuthEnv> {
  const app = new Hono<AuthEnv>();

  app.get('/roles', (c) => {
    const auth = requirePermission(c, 'settings:read');
    const { rbac } = deps.auth;
    return c.html(
      <Layout title="Roles" auth={auth} path="/admin/roles">
        <AdminNav current="/admin/roles" config={deps.config} />
        <section class="card" aria-labelledby="roles-title">
          <PageHeader id="roles-title" title="Roles and permissions" lead="Okta groups grant roles; roles grant permissions. Read-only: groups are set with GATEHOUSE_ADMIN_GROUPS, GATEHOUSE_VIEWER_GROUPS and, for the roles of the project's apps, GATEHOUSE_ROLE_<ROLE>_GROUPS." />
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
                {rbac.roles.map((role) => (
                  <tr>
                    <td>{rbac.groupsOf(role).length > 0 ? rbac.groupsOf(role).map((group) => <><code>{group}</code> </>) : <span class="empty">none configured</span>}</td>
                    <td><span class={`badge badge--${role}`}>{role}</span></td>
                    <td>{rbac.permissionsOf(role).map((permission) => <><code>{permission}</code> </>)}</td>
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
