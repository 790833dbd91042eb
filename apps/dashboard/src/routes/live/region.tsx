/**
 * Markup hooks of live pages. Without JavaScript they are plain elements and the page is the
 * same; with it, `static/live.js` and htmx make them follow `GET /live`.
 */
import { tryGetContext } from 'hono/context-storage';
import type { Child, FC } from 'hono/jsx';
import type { AuthState } from '../../app-context.ts';
import type { LiveTopic } from './hub.ts';

/** The request variable {@link liveCursorMiddleware} sets: the hub's cursor when the request began. */
export const LIVE_CURSOR = 'liveCursor';

/** Whether a page for this caller gets the live channel: signed in by session cookie. */
export function isLive(auth: AuthState | null | undefined): auth is AuthState & { session: NonNullable<AuthState['session']> } {
  return !!auth?.isAuthenticated && auth.via === 'session' && auth.session !== null;
}

/**
 * `GET /live?cursor=…&roles=…` for the page being rendered: `cursor` (where events stood when the
 * request began, before its data was read) lets the stream replay what happened while the page
 * loaded; `roles` lets it reload a page rendered for other roles. Neither is a secret: the stream
 * is authenticated by the cookie.
 */
export function liveUrl(auth: AuthState): string {
  const cursor = tryGetContext<{ Variables: { [LIVE_CURSOR]?: string } }>()?.var[LIVE_CURSOR];
  const query = new URLSearchParams(cursor ? { cursor } : { since: String(Date.now()) });
  query.set('roles', [...auth.roles].sort().join(','));
  return `/live?${query.toString()}`;
}

/**
 * A part of a page that refreshes itself when `topics` change: it re-fetches this page and swaps
 * in its own new content (`hx-select`), waiting while the keyboard focus is inside it. Rows with
 * `data-live-key` that were not there before are marked new. `label` names it in announcements
 * ("Active sessions updated: 1 new").
 */
export const LiveRegion: FC<{ id: string; topics: LiveTopic[]; label: string; class?: string; children?: Child }> = ({ id, topics, label, children, ...rest }) => (
  <div
    id={id}
    class={rest.class ? `live-region ${rest.class}` : 'live-region'}
    data-live-region={label}
    hx-trigger={topics.map((topic) => `sse:${topic}`).join(', ')}
    hx-select={`#${id} > *`}
    hx-target="this"
    hx-swap="innerHTML"
    hx-sync="this:replace"
    hx-headers='{"X-Gatehouse-Background": "1"}'
  >
    {children}
  </div>
);

/**
 * The header's "Live" badge: hidden until the script connects (without JavaScript there is
 * nothing live to show). Its text says the state; announcements go to {@link LiveAnnouncer}.
 */
export const LiveIndicator: FC = () => (
  <span id="live-indicator" class="live-indicator" data-state="connecting" hidden>
    <span class="live-indicator__dot" aria-hidden="true"></span>
    <span class="live-indicator__text">Connecting…</span>
  </span>
);

/** The polite live region where updates are announced to screen readers; never takes focus. */
export const LiveAnnouncer: FC = () => <div id="live-announcer" class="visually-hidden" role="status" aria-live="polite" aria-atomic="true"></div>;
