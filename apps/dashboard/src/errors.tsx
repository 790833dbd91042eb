/**
 * The web layer's one mapping from thrown errors to responses, as a table keyed by error class:
 * guard failures become the 403 page or JSON, sign-in redirects and 401s pass through, bad forms
 * are 400s, our own store failures a 503, and only real bugs become the generic 500 page (logged,
 * never shown). Under `/api` every answer is JSON `{ error: { code, message } }`.
 */
import type { Context, ErrorHandler, NotFoundHandler } from 'hono';
import type { JSX } from 'hono/jsx/jsx-runtime';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { AuthError, describeError, errorSummary, ownFailure, type AuthErrorCode } from '@gatehouse/auth';
import { AccessDeniedError, isApiPath, SignInRequiredError, StepUpRequiredError } from '@gatehouse/auth/hono';
import type { Logger } from 'pino';
import type { AuthEnv, AuthState } from './app-context.ts';
import { CrossSiteRequestError } from './middleware/security.ts';
import { BadFormError, NoFactorEnrolledError } from './routes/admin/actions.ts';
import { BadRequestPage, CrossSitePage, ForbiddenPage, NotFoundPage, ServerErrorPage, SignInErrorPage, StatusPage, UnavailablePage, type SignInErrorInfo } from './views/status-pages.tsx';

/** Every `error.code` the web layer answers with besides the auth core's {@link AuthErrorCode}s. */
export type AppErrorCode = 'NOT_FOUND' | 'CROSS_SITE_REQUEST' | 'BAD_FORM' | 'NO_FACTOR_ENROLLED' | 'BAD_REQUEST' | 'INTERNAL_ERROR';

/** What an error becomes: one status and code, a JSON body under `/api`, a page elsewhere. */
interface WebAnswer {
  status: ContentfulStatusCode;
  code: AppErrorCode | AuthErrorCode;
  message: string;
  /** More fields of the JSON `error` object. */
  json?: Record<string, unknown>;
  page: JSX.Element;
}

/** What a row may use to answer. */
interface AnswerContext {
  c: Context<AuthEnv>;
  auth: AuthState | null;
  logger: Logger;
}

/** One row: the errors it answers (`instanceof type`, narrowed by `when`) and the answer, or a response of their own. */
interface WebErrorRow<E extends Error> {
  type: abstract new (...args: never[]) => E;
  when?(err: E): boolean;
  answer(err: E, context: AnswerContext): WebAnswer | Response;
}

const row = <E extends Error>(entry: WebErrorRow<E>): WebErrorRow<Error> => entry as unknown as WebErrorRow<Error>;

/** First match wins; an error no row takes is a bug: logged, and the generic 500. */
const WEB_ERRORS: readonly WebErrorRow<Error>[] = [
  row({
    type: AccessDeniedError,
    answer: (err, { auth }) => ({
      status: 403,
      code: 'AUTH_ACCESS_DENIED',
      message: 'Your roles do not allow this.',
      json: { needed: err.needed ?? null },
      page: auth?.isAuthenticated
        ? <ForbiddenPage auth={auth} groupsThatGrant={err.groupsThatGrant} />
        : <StatusPage status={403} title="Access denied"><p>You do not have access to this.</p></StatusPage>,
    }),
  }),
  // The guards' sign-in and step-up refusals: the redirect through Okta, or the 401 JSON naming where to go.
  row({ type: SignInRequiredError, answer: (err) => err.getResponse() }),
  row({ type: StepUpRequiredError, answer: (err) => err.getResponse() }),
  row({
    type: CrossSiteRequestError,
    answer: (_err, { auth }) => ({ status: 403, code: 'CROSS_SITE_REQUEST', message: 'Cross-site request refused.', page: <CrossSitePage auth={auth} /> }),
  }),
  row({
    type: BadFormError,
    answer: (err, { auth }) => ({ status: 400, code: 'BAD_FORM', message: err.message, page: <BadRequestPage auth={auth} message={err.message} /> }),
  }),
  row({
    type: NoFactorEnrolledError,
    answer: (err, { auth }) => ({
      status: 403,
      code: 'NO_FACTOR_ENROLLED',
      message: err.message,
      page: (
        <StatusPage status={403} title="Enroll a second factor first" auth={auth}>
          <p>{err.message} Admin actions need one. Enroll one in Okta (for example Okta Verify or another authenticator app), then sign in again.</p>
          <div class="actions"><a class="button" href="/admin">Back to the admin panel</a></div>
        </StatusPage>
      ),
    }),
  }),
  row({
    type: HTTPException,
    when: (err) => err.status < 500,
    answer: (err, { auth }) => {
      // An exception that brings its own response.
      if (err.res) return err.getResponse();
      // hono's own 4xx (body limit, …) as a page.
      const status = err.status as ContentfulStatusCode;
      return { status, code: 'BAD_REQUEST', message: err.message, page: <StatusPage status={status} title="That request could not be used" auth={auth}><p>{err.message}.</p></StatusPage> };
    },
  }),
  row({
    type: AuthError,
    when: (err) => err.status < 500,
    answer: (err) => {
      // An auth failure that escaped the auth routes' own rendering: show it as a sign-in error.
      const info: SignInErrorInfo = { code: err.code, status: err.status, title: 'Sign-in problem', message: err.message, retryUrl: '/auth/login' };
      return { status: err.status as ContentfulStatusCode, code: err.code, message: err.message, page: <SignInErrorPage error={info} /> };
    },
  }),
  row({
    // Our store or disk failed (anywhere in the cause chain): a 503 that says so and when to retry, not the bug page.
    type: Error,
    when: (err) => ownFailure(err) !== null,
    answer: (err, { c, auth, logger }) => {
      const own = ownFailure(err)!;
      const info = describeError(own.code);
      logger.error({ ...errorSummary(own), method: c.req.method, path: c.req.path }, 'request failed: our store is unavailable');
      c.header('Retry-After', String(info.retryAfterSeconds ?? 60));
      return {
        status: 503,
        code: own.code,
        message: info.message,
        page: <UnavailablePage title="Temporarily unavailable" message="This page is temporarily unavailable; try again in a minute. The problem is on our side." code={own.code} retryUrl={c.req.method === 'GET' ? c.req.path : null} auth={auth} />,
      };
    },
  }),
];

function authOf(c: Context<AuthEnv>): AuthState | null {
  const auth = c.get('caller') as AuthState | undefined;
  return auth ?? null;
}

function respond(c: Context<AuthEnv>, answer: WebAnswer | Response): Response | Promise<Response> {
  if (answer instanceof Response) return answer;
  if (isApiPath(c.req.path)) return c.json({ error: { code: answer.code, message: answer.message, ...answer.json } }, answer.status);
  return c.html(answer.page, answer.status);
}

/** `notFound` handler: the 404 page, or JSON under `/api`. */
export function notFound(): NotFoundHandler<AuthEnv> {
  return function notFoundPage(c) {
    return respond(c, { status: 404, code: 'NOT_FOUND', message: 'No such API route.', page: <NotFoundPage auth={authOf(c)} /> });
  };
}

/** `onError` handler: the first row of {@link WEB_ERRORS} that takes the error answers it. */
export function errorHandler(logger: Logger): ErrorHandler<AuthEnv> {
  return function renderError(err, c) {
    const context: AnswerContext = { c, auth: authOf(c), logger };
    const match = WEB_ERRORS.find((entry) => err instanceof entry.type && (entry.when?.(err) ?? true));
    if (match) return respond(c, match.answer(err, context));
    logger.error({ err: { name: err.name, message: err.message, stack: err.stack }, method: c.req.method, path: c.req.path }, 'unhandled error');
    return respond(c, { status: 500, code: 'INTERNAL_ERROR', message: 'Something went wrong on our side.', page: <ServerErrorPage /> });
  };
}
