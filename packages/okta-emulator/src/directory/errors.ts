/** Every way a directory operation or the directory's files can fail. */
export type DirectoryErrorCode =
  | 'SEED_INVALID'
  | 'DATA_CORRUPT'
  | 'NOT_FOUND'
  | 'INVALID_INPUT'
  | 'ALREADY_EXISTS'
  | 'ALREADY_ACTIVE'
  | 'NOT_ALLOWED_IN_STATUS'
  | 'CANNOT_SUSPEND'
  | 'CANNOT_UNSUSPEND'
  | 'CLOSED';

/**
 * The one error class of the directory. Messages are written the way Okta words the matching
 * API error, so the Management API can show them as `errorSummary`; they never hold a secret.
 */
export class DirectoryError extends Error {
  override readonly name = 'DirectoryError';
  readonly code: DirectoryErrorCode;
  /** Field-level causes (`login: …`), shown as Okta's `errorCauses`. */
  readonly causes: string[];

  constructor(code: DirectoryErrorCode, message: string, options: { cause?: unknown; causes?: string[] } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.causes = options.causes ?? [];
  }
}
