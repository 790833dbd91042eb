/** How the users pages show a failed Management API call: the admin's input (404/400) or Okta's side (403/503). */
import type { Context } from 'hono';
import type { AuthEnv, AuthState, AppDeps } from '../../../app-context.ts';
import { DirectoryError, type DirectoryGroup } from '../../../management-api/directory.ts';
import { NotFoundPage, StatusPage } from '../../../views/status-pages.tsx';

/** Status of a directory failure: the admin's input (404/400) or Okta's side (502/503). */
export function directoryStatus(err: DirectoryError): 400 | 403 | 404 | 503 {
  switch (err.code) {
    case 'DIRECTORY_NOT_FOUND':
      return 404;
    case 'DIRECTORY_INVALID':
      return 400;
    case 'DIRECTORY_FORBIDDEN':
      // Okta refused Gatehouse's own credentials (a missing scope or role): the admin cannot fix
      // that by retrying, and it is not an outage.
      return 403;
    default:
      return 503;
  }
}

/** Renders a directory failure as a page; rethrows anything else (a real bug). */
export function directoryFailure(c: Context<AuthEnv>, deps: AppDeps, auth: AuthState, err: unknown): Response | Promise<Response> {
  if (!(err instanceof DirectoryError)) throw err;
  const status = directoryStatus(err);
  if (status >= 500 || status === 403) deps.logger.warn({ code: err.code, status: err.status }, 'Okta Management API call failed');
  if (status === 404) return c.html(<NotFoundPage auth={auth} />, 404);
  const title = status === 400 ? 'Okta did not accept that' : status === 403 ? 'Okta does not allow this' : 'Okta could not be reached';
  return c.html(
    <StatusPage status={status} title={title} auth={auth}>
      <p>{err.message}</p>
      <div class="actions"><a class="button" href="/admin/users">Back to users</a></div>
    </StatusPage>,
    status,
  );
}

/** Groups an admin may assign: Okta-managed groups, not the built-in `Everyone`. */
export function assignable(groups: DirectoryGroup[]): DirectoryGroup[] {
  return groups.filter((group) => group.type !== 'BUILT_IN');
}
