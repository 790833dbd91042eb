import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { DirectoryError, type DirectoryErrorCode } from '../directory/errors.ts';
import { oktaErrorBody, type OktaErrorBody } from '../provider/errors.ts';

/** The Okta API error codes the emulator answers with. */
export type OktaErrorCode =
  | 'E0000001' // Api validation failed
  | 'E0000003' // The request body was not well-formed
  | 'E0000006' // You do not have permission to perform the requested action
  | 'E0000007' // Not found: Resource not found
  | 'E0000009' // Internal Server Error
  | 'E0000011' // Invalid token provided
  | 'E0000016' // Activation failed because the user is already active
  | 'E0000022' // The endpoint does not support the provided HTTP method
  | 'E0000031' // Invalid search criteria
  | 'E0000038' // This operation is not allowed in the user's current status
  | 'E0000047'; // API call exceeded rate limit due to too many requests

/**
 * The one error class of the Management API: thrown by handlers and guards, turned into
 * Okta's error JSON (`errorCode`, `errorSummary`, `errorLink`, `errorId`, `errorCauses`).
 * @see https://developer.okta.com/docs/reference/error-codes/
 */
export class OktaApiError extends Error {
  override readonly name = 'OktaApiError';
  readonly code: OktaErrorCode;
  readonly status: ContentfulStatusCode;
  readonly causes: string[];
  readonly headers: Record<string, string>;

  constructor(
    status: ContentfulStatusCode,
    code: OktaErrorCode,
    summary: string,
    options: { causes?: string[]; cause?: unknown; headers?: Record<string, string> } = {},
  ) {
    super(summary, options.cause === undefined ? undefined : { cause: options.cause });
    this.status = status;
    this.code = code;
    this.causes = options.causes ?? [];
    this.headers = options.headers ?? {};
  }
}

/** Okta's error body, for the codes the Management API answers with. */
export function errorBody(code: OktaErrorCode, summary: string, causes: string[] = []): OktaErrorBody {
  return oktaErrorBody(code, summary, causes);
}

/** Write an Okta error response. */
export function oktaError(c: Context, error: OktaApiError): Response {
  return c.json(errorBody(error.code, error.message, error.causes), error.status, error.headers);
}

const FROM_DIRECTORY: Record<DirectoryErrorCode, [ContentfulStatusCode, OktaErrorCode]> = {
  NOT_FOUND: [404, 'E0000007'],
  INVALID_INPUT: [400, 'E0000001'],
  ALREADY_EXISTS: [400, 'E0000001'],
  ALREADY_ACTIVE: [403, 'E0000016'],
  NOT_ALLOWED_IN_STATUS: [403, 'E0000038'],
  CANNOT_SUSPEND: [400, 'E0000001'],
  CANNOT_UNSUSPEND: [400, 'E0000001'],
  CLOSED: [503, 'E0000009'],
  // These two only happen at start-up; if they ever reach a request, the server is at fault.
  SEED_INVALID: [500, 'E0000001'],
  DATA_CORRUPT: [500, 'E0000001'],
};

/** Translate a directory failure into the Okta error the same request gets from a real org. */
export function fromDirectoryError(error: DirectoryError): OktaApiError {
  const [status, code] = FROM_DIRECTORY[error.code];
  return new OktaApiError(status, code, error.message, { causes: error.causes, cause: error });
}

/** `404 E0000007` for an id nobody knows. */
export function notFound(id: string, kind: string): OktaApiError {
  return new OktaApiError(404, 'E0000007', `Not found: Resource not found: ${id} (${kind})`);
}
