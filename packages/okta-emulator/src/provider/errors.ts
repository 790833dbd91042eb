import { randomBytes } from 'node:crypto';

/** Okta's JSON error body for non-OAuth endpoints. */
export interface OktaErrorBody {
  errorCode: string;
  errorSummary: string;
  errorLink: string;
  errorId: string;
  errorCauses: Array<{ errorSummary: string }>;
}

/**
 * The error shape Okta answers with outside the OAuth token/authorize protocol responses
 * (Management API, unknown paths, logout without a hint).
 *
 * @see https://developer.okta.com/docs/reference/error-codes/
 */
export function oktaErrorBody(errorCode: string, errorSummary: string, causes: string[] = []): OktaErrorBody {
  return {
    errorCode,
    errorSummary,
    errorLink: errorCode,
    // Okta error ids are opaque correlation ids (`oae` and 22 random characters), random per
    // response, so a caller can quote one failure.
    errorId: `oae${randomBytes(17).toString('base64url').slice(0, 22)}`,
    errorCauses: causes.map((summary) => ({ errorSummary: summary })),
  };
}

/** Okta's "resource not found" for any path the emulator does not serve. */
export function notFoundBody(path: string): OktaErrorBody {
  return oktaErrorBody('E0000007', `Not found: Resource not found: ${path} (URL)`);
}
