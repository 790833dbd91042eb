/**
 * The host side of the app contract: every app of the project mounted at `/apps/<name>/` behind
 * the dashboard's one stack — headers, CSRF, body limit, the one session, the app's permission
 * guard, the project's error pages — with an {@link AppContext} built from the dashboard's own parts.
 * @see packages/app-kit (the contract), ARCHITECTURE.md "`/apps/<name>/`"
 */
import type { AppContext, GatehouseApp } from '@gatehouse/app-kit';
import type { AppRoleDefinitions } from '@gatehouse/auth';
import { requirePermission, requireRecentAuth } from '@gatehouse/auth/hono';
import type { Hono, MiddlewareHandler } from 'hono';
import type { AuthEnv, AppDeps } from '../app-context.ts';
import { Layout } from '../views/layout.tsx';
import type { AppNavItem } from '../views/project-nav.ts';

/** Where an app is served: `/apps/<name>` (its pages below, its home at `/apps/<name>/`). */
export function appBasePath(app: GatehouseApp): string {
  return `/apps/${app.manifest.name}`;
}

/** The roles every app adds to the one RBAC table; two apps declaring the same role is a start-up error. */
export function appRoles(apps: readonly GatehouseApp[]): AppRoleDefinitions {
  const roles: Record<string, AppRoleDefinitions[keyof AppRoleDefinitions]> = {};
  const owner = new Map<string, string>();
  for (const app of apps) {
    for (const [role, definition] of Object.entries(app.manifest.roles)) {
      if (owner.has(role)) throw new Error(`Apps ${owner.get(role)} and ${app.manifest.name} both declare the role ${role}; rename one`);
      owner.set(role, app.manifest.name);
      roles[role] = definition;
    }
  }
  return roles as AppRoleDefinitions;
}

/** The navigation entries of the apps (the layout filters them by the user's permissions). */
export function appNavigationItems(apps: readonly GatehouseApp[]): AppNavItem[] {
  return apps.map((app) => ({ href: `${appBasePath(app)}/`, label: app.manifest.title, permission: app.manifest.permission }));
}

/**
 * Mounts each app: a guard requiring the app's permission on every path under its base (signed
 * out: to sign-in and back; no permission: the 403 page naming the groups that grant it), then
 * the routes its `createApp(ctx)` returns.
 */
export function mountApps(host: Hono<AuthEnv>, deps: AppDeps): void {
  const names = new Set<string>();
  for (const app of deps.apps ?? []) {
    const { name, permission, title } = app.manifest;
    if (names.has(name)) throw new Error(`Two apps are named ${name}`);
    names.add(name);
    const basePath = appBasePath(app);
    const ctx: AppContext = {
      config: deps.config,
      auth: deps.auth,
      audit: deps.audit,
      logger: deps.logger.child({ app: name }),
      okta: deps.directory,
      basePath,
      page: (c, props) => c.html(
        <Layout title={`${props.title} · ${title}`} auth={c.var.caller} path={c.req.path}>
          {props.children}
        </Layout>,
        props.status ?? 200,
      ),
      requireStepUp: (c, returnTo) => requireRecentAuth(c, {
        maxAgeSeconds: deps.config.stepUp.maxAgeSeconds,
        mfa: deps.config.stepUp.mfa === 'required' ? true : 'if-enrolled',
        returnTo,
      }),
    };
    const guard: MiddlewareHandler<AuthEnv> = async function appPermission(c, next) {
      requirePermission(c, permission);
      await next();
    };
    host.use(basePath, guard);
    host.use(`${basePath}/*`, guard);
    host.route(basePath, app.createApp(ctx));
  }
}
