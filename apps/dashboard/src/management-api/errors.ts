/**
 * The one error class of the Okta directory layer: a Management API failure reduced to a `code`
 * and a message a page can show (no URL, no token, no key material).
 */
export type DirectoryErrorCode =
  | 'DIRECTORY_NOT_FOUND'
  | 'DIRECTORY_INVALID'
  | 'DIRECTORY_FORBIDDEN'
  | 'DIRECTORY_RATE_LIMITED'
  | 'DIRECTORY_UNAVAILABLE';

/** A Management API failure, reduced to what a page can show (no URL, no token). */
export class DirectoryError extends Error {
  override readonly name = 'DirectoryError';
  readonly code: DirectoryErrorCode;
  /** Okta's HTTP status, `0` when none was received. */
  readonly status: number;

  constructor(code: DirectoryErrorCode, message: string, options: { cause?: unknown; status?: number } = {}) {
    super(message, { cause: options.cause });
    this.code = code;
    this.status = options.status ?? 0;
  }
}
