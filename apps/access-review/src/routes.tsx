/**
 * Access Review's pages. The host has already put in front of every route: security headers, the
 * CSRF check on forms, the body limit, the session, the `access-review:read` guard (signed out →
 * sign-in and back; no role → the 403 page) and the project's error pages.
 *
 * - `GET /`: everyone holding admin or viewer in Okta, with their last sign-in, most idle first.
 * - `POST /reviews`: starts a review (needs `access-review:manage` and the project's step-up: it
 *   writes evidence in the audit log under the admin's name).
 * - `GET /reviews/:id`: a review and the accounts it flagged.
 */
import type { AppContext } from '@gatehouse/app-kit';
import { requirePermission, type AuthEnv } from '@gatehouse/auth/hono';
import { Hono } from 'hono';
import type { Child } from 'hono/jsx';
import { MANAGE } from './rbac.ts';
import { accountsUnderReview, listReviews, startReview, UNUSED_AFTER_DAYS, type ReviewedAccount } from './review.ts';

const REVIEW_ID = /^r[0-9a-z]{1,12}$/;

const day = (date: Date | null) => (date ? <time datetime={date.toISOString()}>{date.toISOString().slice(0, 10)}</time> : <span class="empty">never</span>);

/** The app's routes (its `createApp`). */
export function createRoutes(ctx: AppContext): Hono<AuthEnv> {
  const app = new Hono<AuthEnv>();
  const base = ctx.basePath;

  /** The accounts, or the reason they cannot be listed (no Management API; Okta down or refusing). */
  async function load(): Promise<{ accounts: ReviewedAccount[] } | { problem: string }> {
    if (!ctx.okta) return { problem: 'The Okta Management API is not configured (OKTA_API_TOKEN or a service app), so the accounts cannot be listed.' };
    try {
      return { accounts: await accountsUnderReview(ctx, ctx.okta, ctx.auth.now()) };
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      ctx.logger.warn({ step: 'access-review.accounts', code: typeof code === 'string' ? code : 'unknown' }, 'Okta Management API call failed');
      // The client's DIRECTORY_* errors carry a message meant for the page; anything else stays generic.
      return { problem: typeof code === 'string' && code.startsWith('DIRECTORY_') && err instanceof Error ? err.message : 'Okta could not be reached.' };
    }
  }

  app.get('/', async (c) => {
    const caller = c.var.caller;
    const [loaded, reviews] = await Promise.all([load(), listReviews(ctx)]);
    const canStart = caller.permissions.includes(MANAGE);
    return ctx.page(c, {
      title: 'Accounts',
      status: 'problem' in loaded ? 503 : 200,
      children: (
        <>
          <section class="card" aria-labelledby="accounts-title">
            <h1 id="accounts-title" class="page-title">Access review</h1>
            <p class="page-lead">Everyone an Okta group makes admin or viewer, and when they last signed in. Accounts unused for {UNUSED_AFTER_DAYS} days or more are marked.</p>
            {'problem' in loaded ? <p role="alert">{loaded.problem}</p> : <AccountsTable accounts={loaded.accounts} />}
            {canStart && !('problem' in loaded) && (
              <form method="post" action={`${base}/reviews`} class="inline-form">
                <button type="submit" class="button">Start a review</button>
              </form>
            )}
          </section>
          <section class="card" aria-labelledby="reviews-title">
            <h2 id="reviews-title">Reviews</h2>
            {reviews.length === 0 ? <p class="empty">No review yet.</p> : (
              <ul>
                {reviews.map((review) => (
                  <li><a href={`${base}/reviews/${review.id}`}>{review.startedAt.toISOString().slice(0, 16).replace('T', ' ')} UTC</a> by {review.startedBy}: {review.flagged.length} of {review.accounts} flagged</li>
                ))}
              </ul>
            )}
          </section>
        </>
      ),
    });
  });

  app.post('/reviews', async (c) => {
    const caller = requirePermission(c, MANAGE);
    ctx.requireStepUp(c, `${base}/`);
    const loaded = await load();
    if ('problem' in loaded) return ctx.page(c, { status: 503, title: 'Review not started', children: <Problem title="Review not started" back={`${base}/`}>{loaded.problem}</Problem> });
    const id = await startReview(ctx, loaded.accounts, { sub: caller.user.sub, email: caller.user.email }, ctx.auth.now());
    return c.redirect(`${base}/reviews/${id}`, 303);
  });

  app.get('/reviews/:id', async (c) => {
    const id = c.req.param('id');
    const review = REVIEW_ID.test(id) ? (await listReviews(ctx)).find((candidate) => candidate.id === id) : undefined;
    if (!review) return c.notFound();
    return ctx.page(c, {
      title: 'Review',
      children: (
        <section class="card" aria-labelledby="review-title">
          <h1 id="review-title" class="page-title">Review of {review.startedAt.toISOString().slice(0, 10)}</h1>
          <p>Started by {review.startedBy}: {review.flagged.length} of {review.accounts} accounts unused for {UNUSED_AFTER_DAYS} days or more.</p>
          {review.flagged.length === 0 ? <p class="empty">Nothing to flag: every account was used recently.</p> : (
            <div class="table-wrap">
              <table>
                <thead><tr><th scope="col">Account</th><th scope="col">Days unused</th></tr></thead>
                <tbody>
                  {review.flagged.map((account) => <tr><td>{account.email}</td><td>{account.idleDays ?? 'never signed in'}</td></tr>)}
                </tbody>
              </table>
            </div>
          )}
          <p><a href={`${base}/`}>Back to the accounts</a></p>
        </section>
      ),
    });
  });

  return app;
}

const AccountsTable = ({ accounts }: { accounts: ReviewedAccount[] }) => accounts.length === 0 ? <p class="empty">No one holds admin or viewer through Okta groups.</p> : (
  <div class="table-wrap">
    <table>
      <thead>
        <tr>
          <th scope="col">Account</th>
          <th scope="col">Roles</th>
          <th scope="col">Okta status</th>
          <th scope="col">Last sign-in here</th>
          <th scope="col">Okta last login</th>
          <th scope="col">Review</th>
        </tr>
      </thead>
      <tbody>
        {accounts.map((account) => (
          <tr>
            <td>{account.user.email || account.user.login}</td>
            <td>{account.roles.join(', ')}</td>
            <td>{account.user.status}</td>
            <td>{day(account.lastSignIn)}</td>
            <td>{day(account.user.lastLogin)}</td>
            <td>{account.unused ? <span class="badge badge--none">unused {account.idleDays === null ? '(never)' : `${account.idleDays} days`}</span> : 'in use'}</td>
          </tr>
        ))}
      </tbody>
    </table>
  </div>
);

const Problem = ({ title, back, children }: { title: string; back: string; children?: Child }) => (
  <section class="card">
    <h1 class="page-title">{title}</h1>
    <p role="alert">{children}</p>
    <p><a href={back}>Back</a></p>
  </section>
);
