/**
 * The one page shell every HTML response uses: skip link, header with the signed-in user's
 * navigation, a `<main>` landmark and a footer. Navigation only lists what the user's
 * permissions open; the server-side guards are still the check that counts.
 */
import { raw } from 'hono/html';
import type { Child, FC } from 'hono/jsx';
import type { AuthState, Permission } from '../app-context.ts';
import { HTMX_CONFIG, LIVE_SCRIPTS } from '../routes/live/assets.ts';
import { isLive, LiveAnnouncer, LiveIndicator, liveUrl } from '../routes/live/region.tsx';
import { appNavItems } from './project-nav.ts';

/** The product name shown in titles and the header. */
export const PRODUCT_NAME = 'Gatehouse';

interface NavItem {
  href: string;
  label: string;
  permission: Permission;
}

const NAV: NavItem[] = [
  { href: '/dashboards', label: 'Dashboards', permission: 'dashboards:read' },
  { href: '/admin', label: 'Admin', permission: 'sessions:read' },
  { href: '/profile', label: 'Profile', permission: 'profile:read' },
];

/** Props of {@link Layout}. */
export interface LayoutProps {
  /** Page title; the document title is `<title> · Gatehouse`. */
  title: string;
  /** The request's auth state; the header shows only when signed in. */
  auth?: AuthState | null;
  /** Current path, to mark the active navigation item. */
  path?: string;
  /** Narrow, centred layout for landing and error pages. */
  narrow?: boolean;
  children?: Child;
}

/** Human label of the highest role the user holds. */
export function roleLabel(auth: AuthState): string {
  if (auth.roles.includes('admin')) return 'Admin';
  if (auth.roles.includes('viewer')) return 'Viewer';
  return 'No role';
}

/** Whether `path` is the item's page or below it (`/admin/users` is under `/admin`, `/apps/x` is `/apps/x/`). */
function isCurrent(path: string | undefined, href: string): boolean {
  const base = href.replace(/\/$/, '');
  return path !== undefined && (path === href || path === base || path.startsWith(`${base}/`));
}

const Header: FC<{ auth: AuthState | null | undefined; path: string | undefined }> = ({ auth, path }) => {
  const user = auth?.isAuthenticated ? auth.user : null;
  // The dashboard's areas, then the project's apps (`/apps/<name>/`) the user's roles open.
  const items = auth ? [...NAV, ...appNavItems()].filter((item) => auth.permissions.includes(item.permission)) : [];
  return (
    <header class="site-header">
      <div class="site-header__inner">
        <a class="brand" href="/">
          <span class="brand__mark" aria-hidden="true">G</span>
          <span class="brand__name">{PRODUCT_NAME}</span>
        </a>
        {items.length > 0 && (
          <nav class="site-nav" aria-label="Main">
            <ul>
              {items.map((item) => (
                <li>
                  <a href={item.href} aria-current={isCurrent(path, item.href) ? 'page' : undefined}>
                    {item.label}
                  </a>
                </li>
              ))}
            </ul>
          </nav>
        )}
        {user && auth && (
          <div class="site-user">
            {isLive(auth) && <LiveIndicator />}
            <span class="site-user__name">{user.name ?? user.email ?? user.sub}</span>
            <span class={`badge badge--${auth.roles[0] ?? 'none'}`}>{roleLabel(auth)}</span>
            <SignOutForm />
          </div>
        )}
      </div>
    </header>
  );
};

/** A POST form to `/auth/logout`: sign-out changes state, so it is never a GET link. */
export const SignOutForm: FC<{ primary?: boolean }> = ({ primary }) => (
  <form method="post" action="/auth/logout" class="inline-form">
    <button type="submit" class={primary ? 'button' : 'button button--ghost'}>Sign out</button>
  </form>
);

/**
 * The HTML document around every page. Signed-in pages also get the live channel (`GET /live`):
 * the scripts from our origin, and the body's `sse-connect`; without JavaScript nothing changes.
 */
export const Layout: FC<LayoutProps> = ({ title, auth, path, narrow, children }) => (
  <>
    {raw('<!doctype html>')}
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="color-scheme" content="light dark" />
        <title>{`${title} · ${PRODUCT_NAME}`}</title>
        <link rel="stylesheet" href="/static/app.css" />
        {isLive(auth) && (
          <>
            <meta name="htmx-config" content={HTMX_CONFIG} />
            {LIVE_SCRIPTS.map((script) => <script src={script.url} defer></script>)}
          </>
        )}
      </head>
      <body {...(isLive(auth) ? { 'hx-ext': 'sse', 'sse-connect': liveUrl(auth) } : {})}>
        <a class="skip-link" href="#main">Skip to content</a>
        <Header auth={auth} path={path} />
        <main id="main" class={narrow ? 'page page--narrow' : 'page'} tabindex={-1}>
          {children}
          {isLive(auth) && <LiveAnnouncer />}
        </main>
        <footer class="site-footer">
          <p>{PRODUCT_NAME} · internal tools behind Okta</p>
        </footer>
      </body>
    </html>
  </>
);
