/**
 * The project's apps in the navigation. The host's middleware makes the list of mounted apps
 * available to every page rendered during the request (an AsyncLocalStorage, so the layout needs
 * no new prop on every page); the layout shows those whose permission the user holds.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { MiddlewareHandler } from 'hono';
import type { Permission } from '../app-context.ts';

/** One app in the navigation. */
export interface AppNavItem {
  /** `/apps/<name>/` */
  href: string;
  label: string;
  /** The permission that opens the app. */
  permission: Permission;
}

const current = new AsyncLocalStorage<readonly AppNavItem[]>();

/** Middleware: pages rendered in this request list `items` (filtered by the user's permissions). */
export function appNavigation(items: readonly AppNavItem[]): MiddlewareHandler {
  const frozen = Object.freeze([...items]);
  return function appNavigation(_c, next) {
    return current.run(frozen, next);
  };
}

/** The apps of the request being rendered; none outside a request (e.g. a page rendered in a test). */
export function appNavItems(): readonly AppNavItem[] {
  return current.getStore() ?? [];
}
