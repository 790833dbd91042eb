/**
 * `/`: the landing page with "Sign in with Okta" for visitors; a signed-in user is sent to their
 * home (admin → /admin, viewer → /dashboards), a user with no role sees the 403 page.
 * @see ARCHITECTURE.md "Routes"
 */
import { Hono } from 'hono';
import type { AuthEnv, AppDeps } from '../../app-context.ts';
import { Layout, PRODUCT_NAME } from '../../views/layout.tsx';
import { appNavItems } from '../../views/project-nav.ts';
import { ForbiddenPage } from '../../views/status-pages.tsx';

/** Where a signed-in user with these roles starts. `null`: no role, nothing to open. */
export function homeFor(roles: readonly string[]): string | null {
  if (roles.includes('admin')) return '/admin';
  if (roles.includes('viewer')) return '/dashboards';
  return null;
}

/**
 * `GET /`: the landing page for visitors; signed-in users are redirected to their home, or shown
 * the 403 page (with the groups that grant a role) when they have no role.
 * @see ARCHITECTURE.md "Routes"
 */
export function homeRoutes(deps: AppDeps): Hono<AuthEnv> {
  const app = new Hono<AuthEnv>();

  app.get('/', (c) => {
    const auth = c.var.caller;
    if (auth.isAuthenticated) {
      const home = homeFor(auth.roles);
      if (home) return c.redirect(home, 302);
      // Only an app's role (no dashboard role): the first of the project's apps they open.
      const app = appNavItems().find((item) => auth.permissions.includes(item.permission));
      if (app) return c.redirect(app.href, 302);
      const groups = [...deps.config.roles.admin, ...deps.config.roles.viewer];
      return c.html(<ForbiddenPage auth={auth} groupsThatGrant={groups} />, 403);
    }
    return c.html(
      <Layout title="Sign in" narrow>
        <section class="hero" aria-labelledby="hero-title">
          <h1 id="hero-title">{PRODUCT_NAME}</h1>
          <p>Internal dashboards and administration for your team, protected by your company's Okta sign-in.</p>
          <a class="button button--large" href="/auth/login">Sign in with Okta</a>
        </section>
        <section class="card" aria-labelledby="what-title">
          <h2 id="what-title">What you'll find here</h2>
          <ul>
            <li><strong>Viewers</strong> see read-only dashboards: sign-in activity and business data.</li>
            <li><strong>Admins</strong> manage sessions, users and groups, and read the audit log.</li>
            <li>Access comes from your Okta groups; ask an admin if you cannot open what you need.</li>
          </ul>
        </section>
      </Layout>,
    );
  });

  return app;
}
