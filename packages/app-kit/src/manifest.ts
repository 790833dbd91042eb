/**
 * What an app of a Gatehouse project declares: its name (the mount `/apps/<name>/`), its title in
 * the navigation, the permission that opens it, and the roles it adds to the one RBAC table.
 */
import { APP_ROLE_NAME, PERMISSION_NAME, type AppRoleDefinitions, type Permission } from '@gatehouse/auth';
import type { AuthEnv } from '@gatehouse/auth/hono';
import type { Hono } from 'hono';
import type { AppContext } from './context.ts';

/** App names: what npm accepts as a package name's last part and a URL segment needs no escaping for. */
export const APP_NAME = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;

/** Names an app may not take: the dashboard's own routes and folders of the project. */
export const RESERVED_APP_NAMES: readonly string[] = Object.freeze([
  'dashboard', 'admin', 'dashboards', 'profile', 'api', 'auth', 'apps', 'static', 'healthz', 'readyz', 'metrics',
  'live', 'hooks', 'app-kit', 'okta-emulator', 'node_modules', 'template',
]);

/** The static description of an app, read before it is mounted. */
export interface AppManifest {
  /** Lower-case kebab name; the app is served at `/apps/<name>/`. */
  name: string;
  /** Shown in the navigation and page titles. */
  title: string;
  /** One sentence for the navigation's tooltip and the README. */
  description: string;
  /**
   * The permission that opens the app: every route under `/apps/<name>/` requires it (the 403
   * page otherwise) and the navigation lists the app only for users who hold it.
   */
  permission: Permission;
  /** The roles the app adds to the one RBAC table, with the Okta groups granting them by default. */
  roles: AppRoleDefinitions;
}

/** An app of the project: its manifest and the factory the host calls once at start-up. */
export interface GatehouseApp {
  manifest: AppManifest;
  /**
   * Builds the app's routes, relative to its mount (`/` is `/apps/<name>/`). The host has already
   * put headers, CSRF, the session, the app's permission guard and the error pages in front; the
   * app must not set its own `onError`/`notFound`, so that the project's pages answer.
   */
  createApp(ctx: AppContext): Hono<AuthEnv>;
}

/**
 * Declares an app (the default export of its package), checking the manifest once, at start-up:
 * a bad name or permission is a programming error with the fix in the message.
 */
export function defineApp(app: GatehouseApp): GatehouseApp {
  const { name, permission, roles } = app.manifest;
  if (!APP_NAME.test(name)) throw new Error(`App name "${name}" must be lower-case words joined by - (e.g. approvals, access-review)`);
  if (RESERVED_APP_NAMES.includes(name)) throw new Error(`App name "${name}" is reserved by the project; choose another`);
  if (!PERMISSION_NAME.test(permission)) throw new Error(`App "${name}": permission "${permission}" must be <area>:<action>, e.g. ${name}:read`);
  const granting = Object.entries(roles).filter(([, role]) => role?.permissions.includes(permission));
  if (granting.length === 0) throw new Error(`App "${name}": no role of its manifest grants ${permission}, so nobody could open it`);
  for (const role of Object.keys(roles)) {
    if (!APP_ROLE_NAME.test(role) || !role.startsWith(`${name}-`)) throw new Error(`App "${name}": role "${role}" must be named ${name}-<role> (lower case), so apps' roles never clash`);
  }
  return Object.freeze({ ...app, manifest: Object.freeze({ ...app.manifest }) });
}
