/**
 * The web layer's one mapping from thrown errors to responses: guard failures become the 403
 * page or JSON, sign-in redirects and 401s pass through, bad forms are 400s, and only real bugs
 * become the generic 500 page (logged, never shown).
 */
import type { Context, ErrorHandler, NotFoundHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { describeError, errorSummary, ownFailure } from '@gatehouse/auth';
import { isApiPath } from '@gatehouse/auth/hono';
import type { Logger } from 'pino';
import type { AuthEnv, AuthState } from './app-context.ts';
import { CrossSiteRequestError } from './middleware/security.ts';
import { BadFormError, NoFactorEnrolledError } from './routes/admin/actions.ts';
import { BadRequestPage, CrossSitePage, ForbiddenPage, NotFoundPage, ServerErrorPage, SignInErrorPage, StatusPage, UnavailablePage, type SignInErrorInfo } from './views/status-pages.tsx';

const isApi = (c: Context) => isApiPath(c.req.path);

function authOf(c: Context<AuthEnv>): AuthState | null {
  const auth = c.get('auth') as AuthState | undefined;
  return auth ?? null;
}

/** An AccessDeniedError of the auth adapter (403 with the groups that would grant access). */
function accessDenied(err: unknown): { needed: unknown; groupsThatGrant: string[] } | null {
  if (!(err instanceof HTTPException) || err.status !== 403) return null;
  const groups = (err as unknown as { groupsThatGrant?: unknown }).groupsThatGrant;
  if (!Array.isArray(groups)) return null;
  return { needed: (err as unknown as { needed?: unknown }).needed, groupsThatGrant: groups.filter((g): g is string => typeof g === 'string') };
}

/** `notFound` handler: the 404 page, or JSON under `/api`. */
export function notFound(): NotFoundHandler<AuthEnv> {
  return function notFoundPage(c) {
    if (isApi(c)) return c.json({ error: { code: 'NOT_FOUND', message: 'No such API route.' } }, 404);
    return c.html(<NotFoundPage auth={authOf(c)} />, 404);
  };
}

/** `onError` handler. */
export function errorHandler(logger: Logger): ErrorHandler<AuthEnv> {
  return function renderError(err, c) {
    const auth = authOf(c);
    const denied = accessDenied(err);
    if (denied) {
      if (isApi(c)) return c.json({ error: { code: 'AUTH_ACCESS_DENIED', message: 'Your roles do not allow this.', needed: denied.needed ?? null } }, 403);
      if (!auth?.isAuthenticated) return c.html(<StatusPage status={403} title="Access denied"><p>You do not have access to this.</p></StatusPage>, 403);
      return c.html(<ForbiddenPage auth={auth} groupsThatGrant={denied.groupsThatGrant} />, 403);
    }
    if (err instanceof CrossSiteRequestError) {
      if (isApi(c)) return c.json({ error: { code: 'CROSS_SITE_REQUEST', message: 'Cross-site request refused.' } }, 403);
      return c.html(<CrossSitePage auth={auth} />, 403);
    }
    if (err instanceof BadFormError) return c.html(<BadRequestPage auth={auth} message={err.message} />, 400);
    if (err instanceof NoFactorEnrolledError) {
      if (isApi(c)) return c.json({ error: { code: 'NO_FACTOR_ENROLLED', message: err.message } }, 403);
      return c.html(
        <StatusPage status={403} title="Enroll a second factor first" auth={auth}>
          <p>{err.message} Admin actions need one. Enroll one in Okta (for example Okta Verify or another authenticator app), then sign in again.</p>
          <div class="actions"><a class="button" href="/admin">Back to the admin panel</a></div>
        </StatusPage>,
        403,
      );
    }
    if (err instanceof HTTPException && err.status < 500) {
      // Guards' sign-in and step-up redirects and 401 JSON come with their own response.
      if (err.res) return err.getResponse();
      // hono's own 4xx (body limit, …) as a page.
      if (isApi(c)) return c.json({ error: { code: 'BAD_REQUEST', message: err.message } }, err.status);
      return c.html(<StatusPage status={err.status} title="That request could not be used" auth={auth}><p>{err.message}.</p></StatusPage>, err.status);
    }
    const status = (err as { status?: unknown }).status;
    const code = (err as { code?: unknown }).code;
    if (err.name === 'AuthError' && typeof status === 'number' && status < 500 && typeof code === 'string') {
      // An auth failure that escaped the auth routes' own rendering: show it as a sign-in error.
      const info: SignInErrorInfo = { code, status, title: 'Sign-in problem', message: err.message, retryUrl: '/auth/login' };
      if (isApi(c)) return c.json({ error: { code, message: err.message } }, status as 400);
      return c.html(<SignInErrorPage error={info} />, status as 400);
    }
    const own = ownFailure(err);
    if (own) {
      // Our store or disk failed: a 503 that says so and when to retry, not the bug page.
      const info = describeError(own.code);
      logger.error({ ...errorSummary(own), method: c.req.method, path: c.req.path }, 'request failed: our store is unavailable');
      c.header('Retry-After', String(info.retryAfterSeconds ?? 60));
      if (isApi(c)) return c.json({ error: { code: own.code, message: info.message } }, 503);
      return c.html(<UnavailablePage title="Temporarily unavailable" message="This page is temporarily unavailable; try again in a minute. The problem is on our side." code={own.code} retryUrl={c.req.method === 'GET' ? c.req.path : null} auth={auth} />, 503);
    }
    logger.error({ err: { name: err.name, message: err.message, stack: err.stack }, method: c.req.method, path: c.req.path }, 'unhandled error');
    if (isApi(c)) return c.json({ error: { code: 'INTERNAL_ERROR', message: 'Something went wrong on our side.' } }, 500);
    return c.html(<ServerErrorPage />, 500);
  };
}
