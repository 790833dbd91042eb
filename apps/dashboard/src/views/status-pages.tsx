/**
 * Pages for every non-happy path: 403 (no role), 404, 429, 500, cross-site form posts and
 * sign-in failures. None shows a stack trace, a token or a secret; each offers a way on.
 */
import type { Child, FC } from 'hono/jsx';
import type { AuthState } from '../app-context.ts';
import { Layout, SignOutForm } from './layout.tsx';

interface StatusPageProps {
  status: number;
  title: string;
  auth?: AuthState | null;
  children?: Child;
}

/** A centred page with the status code, a heading and the explanation. */
export const StatusPage: FC<StatusPageProps> = ({ status, title, auth, children }) => (
  <Layout title={title} auth={auth} narrow>
    <section class="status-page card" aria-labelledby="status-title">
      {status >= 400 && <p class="status-page__code">Error {status}</p>}
      <h1 id="status-title" class="page-title">{title}</h1>
      {children}
    </section>
  </Layout>
);

/**
 * The 403 page for a signed-in user without the needed role. It says who they are signed in
 * as and which Okta groups would grant access, so they know what to ask for.
 */
export const ForbiddenPage: FC<{ auth: AuthState; groupsThatGrant: readonly string[] }> = ({ auth, groupsThatGrant }) => {
  const who = auth.user?.email ?? auth.user?.name ?? auth.user?.sub ?? 'an unknown user';
  return (
    <StatusPage status={403} title="You don't have access to this" auth={auth}>
      <p>
        Signed in as <strong>{who}</strong>, but you have no access to this.
        {groupsThatGrant.length > 0 ? ' Ask an admin to add you to one of:' : ' Ask an admin for access.'}
      </p>
      {groupsThatGrant.length > 0 && (
        <ul>
          {groupsThatGrant.map((group) => (
            <li><code>{group}</code></li>
          ))}
        </ul>
      )}
      <p class="page-lead">Your Okta groups: {auth.user && auth.user.groups.length > 0 ? auth.user.groups.join(', ') : 'none'}.</p>
      <div class="actions">
        <SignOutForm primary />
        {auth.permissions.includes('profile:read') && <a class="button button--ghost" href="/profile">Your profile</a>}
      </div>
    </StatusPage>
  );
};

/** 404: the path does not exist (or the method is not one the path answers). */
export const NotFoundPage: FC<{ auth?: AuthState | null }> = ({ auth }) => (
  <StatusPage status={404} title="Page not found" auth={auth}>
    <p>There is nothing at this address. Check the link, or start again from the home page.</p>
    <div class="actions"><a class="button" href="/">Go to the home page</a></div>
  </StatusPage>
);

/** 400: a query string or form value the page cannot use. */
export const BadRequestPage: FC<{ auth?: AuthState | null; message: string; back?: string }> = ({ auth, message, back }) => (
  <StatusPage status={400} title="That request could not be used" auth={auth}>
    <p>{message}</p>
    <div class="actions"><a class="button" href={back ?? '/'}>Go back</a></div>
  </StatusPage>
);

/** 429 from the sign-in rate limit, with when to try again. */
export const TooManyRequestsPage: FC<{ retryAfterSeconds: number }> = ({ retryAfterSeconds }) => (
  <StatusPage status={429} title="Too many sign-in attempts">
    <p>
      This network has started too many sign-ins in a short time. Wait about {retryAfterSeconds} seconds, then try
      again.
    </p>
    <div class="actions"><a class="button" href="/">Back to the home page</a></div>
  </StatusPage>
);

/** 403 for a form post that did not come from this site (CSRF check). */
export const CrossSitePage: FC<{ auth?: AuthState | null }> = ({ auth }) => (
  <StatusPage status={403} title="This form was not sent from Gatehouse" auth={auth}>
    <p>
      For your safety, changes are only accepted from pages of this site. Open the page again and submit the form
      from there.
    </p>
    <div class="actions"><a class="button" href="/">Go to the home page</a></div>
  </StatusPage>
);

/** 500 for real bugs: generic on purpose, the details are in the server log. */
export const ServerErrorPage: FC = () => (
  <StatusPage status={500} title="Something went wrong on our side">
    <p>The error has been logged. Try again in a moment; if it keeps happening, tell the team that runs Gatehouse.</p>
    <div class="actions"><a class="button" href="/">Go to the home page</a></div>
  </StatusPage>
);

/** What the auth package hands to `renderError` for sign-in failures. */
export interface SignInErrorInfo {
  code: string;
  status: number;
  title: string;
  message: string;
  /** Where "Try again" goes; `null` when retrying makes no sense. */
  retryUrl: string | null;
}

/** Friendly sign-in failure page (IdP error, expired sign-in, cookies blocked) with "Try again". */
export const SignInErrorPage: FC<{ error: SignInErrorInfo }> = ({ error }) => (
  <StatusPage status={error.status} title={error.title}>
    <p>{error.message}</p>
    <p class="page-lead">Reference: <code>{error.code}</code></p>
    <div class="actions">
      {error.retryUrl !== null && <a class="button" href={error.retryUrl}>Try again</a>}
      <a class={error.retryUrl !== null ? 'button button--ghost' : 'button'} href="/">Home</a>
    </div>
  </StatusPage>
);

/** Same-origin path or the sign-in start: a retry link must never lead off-site. */
function safeRetryUrl(url: string | null): string | null {
  if (url === null) return null;
  return /^\/(?![/\\])/.test(url) ? url : '/auth/login';
}

/**
 * The `renderError` hook handed to `createAuth`: sign-in failures as a styled page with
 * "Try again". Synchronous components only, so the HTML is a plain string.
 */
export function renderSignInError(error: SignInErrorInfo): Response {
  const page = <SignInErrorPage error={{ ...error, retryUrl: safeRetryUrl(error.retryUrl) }} />;
  const html = page.toString();
  if (typeof html !== 'string') throw new TypeError('The sign-in error page must render synchronously');
  return new Response(html, { status: error.status, headers: { 'Content-Type': 'text/html; charset=UTF-8' } });
}

/**
 * 503 for our own failures (a store, the disk, a restart): says it is temporary and not the
 * user's doing; the response carries `Retry-After`.
 */
export const UnavailablePage: FC<{ title: string; message: string; retryUrl?: string | null; code?: string; auth?: AuthState | null }> = ({ title, message, retryUrl: asked, code, auth }) => {
  const retryUrl = asked ? safeRetryUrl(asked) : null;
  return (
  <StatusPage status={503} title={title} auth={auth}>
    <p>{message}</p>
    {code && <p class="page-lead">Reference: <code>{code}</code></p>}
    <div class="actions">
      {retryUrl && <a class="button" href={retryUrl}>Try again</a>}
      <a class={retryUrl ? 'button button--ghost' : 'button'} href="/">Home</a>
    </div>
  </StatusPage>
  );
};

/**
 * The 503 a request still running when a drain reaches its deadline gets (HTML, or JSON under
 * `/api`): another instance answers the retry. An interrupted sign-in is started again.
 */
export function renderRestarting(request: Request): Response {
  const path = new URL(request.url).pathname;
  const headers = { 'retry-after': '1', 'cache-control': 'no-store', connection: 'close' };
  const message = 'Gatehouse is restarting. Try again in a moment.';
  if (path === '/api' || path.startsWith('/api/')) {
    return Response.json({ error: { code: 'SERVER_RESTARTING', message } }, { status: 503, headers });
  }
  const signIn = path.startsWith('/auth/');
  const page = (
    <UnavailablePage
      title={signIn ? 'Your sign-in was interrupted' : 'Gatehouse is restarting'}
      message={signIn ? 'Gatehouse restarted while finishing your sign-in. Start it again; it takes a moment.' : message}
      retryUrl={signIn ? '/auth/login' : path}
      code="SERVER_RESTARTING"
    />
  );
  return new Response(String(page.toString()), {
    status: 503,
    headers: { ...headers, 'content-type': 'text/html; charset=utf-8', 'content-security-policy': "default-src 'none'; style-src 'self'; frame-ancestors 'none'" },
  });
}
