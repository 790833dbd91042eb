/**
 * The "you were signed out" page an open page goes to when its session ends elsewhere: it says
 * why, in the words of the bus event's `reason`, and offers "Sign in again" back to that page.
 */
import type { FC } from 'hono/jsx';
import type { SessionEndReason } from '@gatehouse/auth';
import { Layout } from '../../views/layout.tsx';

/** What the page says for each reason a session can end. */
export const SIGNED_OUT_REASONS = {
  revoked_by_admin: 'An administrator ended your session.',
  user_deactivated: 'Your account was deactivated or suspended in Okta.',
  idp_logout: 'Okta ended your session (you signed out of Okta, or an administrator signed you out there).',
  signed_out: 'You signed out in another tab or window.',
  expired: 'Your session expired: it was idle for too long, or reached its maximum length.',
  refresh_refused: 'Okta no longer accepts this sign-in.',
  credentials_changed: 'Your password or sign-in factors changed.',
  app_unassigned: 'You were removed from this app in Okta.',
} as const satisfies Record<SessionEndReason, string>;

/** A known reason code, or `null` (the page then says the session ended, without guessing why). */
export function signedOutReason(value: string | undefined): SessionEndReason | null {
  return value !== undefined && Object.hasOwn(SIGNED_OUT_REASONS, value) ? (value as SessionEndReason) : null;
}

/** The page; `returnTo` is a same-origin path, already checked. */
export const SignedOutPage: FC<{ reason: SessionEndReason | null; returnTo: string }> = ({ reason, returnTo }) => (
  <Layout title="You were signed out" narrow>
    <section class="status-page card" aria-labelledby="signed-out-title">
      <h1 id="signed-out-title" class="page-title">You were signed out</h1>
      <p>{reason ? SIGNED_OUT_REASONS[reason] : 'Your session has ended.'}</p>
      <p class="page-lead">Pages you still have open show nothing new until you sign in again.</p>
      <div class="actions">
        <a class="button" href={`/auth/login?${new URLSearchParams({ returnTo }).toString()}`}>Sign in again</a>
        <a class="button button--ghost" href="/">Home</a>
      </div>
    </section>
  </Layout>
);
