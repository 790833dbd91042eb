/**
 * The one error class of the auth flow, its code union, the human wording of every code, and
 * the one place where `openid-client` / `oauth4webapi` / `jose` errors become {@link AuthError}s.
 * Messages never carry a token, code, cookie or secret: library errors stay in `cause`, which is
 * logged by the caller at debug level only after being reduced to its code.
 */
import * as oidc from 'openid-client';

/** Every protocol or domain failure of the auth flow, as a machine-readable literal. */
export type AuthErrorCode =
  | 'AUTH_STATE_MISMATCH'
  | 'AUTH_TRANSACTION_EXPIRED'
  | 'AUTH_TRANSACTION_NOT_FOUND'
  | 'AUTH_BROWSER_MISMATCH'
  | 'AUTH_IDP_ERROR'
  | 'AUTH_IDP_UNAVAILABLE'
  | 'AUTH_ISSUER_MISMATCH'
  | 'AUTH_ID_TOKEN_INVALID'
  | 'AUTH_NONCE_MISMATCH'
  | 'AUTH_TOKEN_EXCHANGE_FAILED'
  | 'AUTH_DISCOVERY_FAILED'
  | 'AUTH_REFRESH_FAILED'
  | 'AUTH_SESSION_EXPIRED'
  | 'AUTH_UNAUTHENTICATED'
  | 'AUTH_ACCESS_TOKEN_INVALID'
  | 'AUTH_ACCESS_DENIED'
  | 'AUTH_STEP_UP_REQUIRED'
  | 'AUTH_STEP_UP_FAILED'
  | 'AUTH_CSRF'
  | 'AUTH_USER_INACTIVE'
  | 'AUTH_BAD_REQUEST'
  | 'AUTH_METHOD_NOT_ALLOWED'
  | 'AUTH_STORE_UNAVAILABLE'
  | 'AUTH_DISK_FULL';

/** The 4xx (or, for an unreachable IdP or our own store or disk, 503) status each code maps to. */
export type AuthErrorStatus = 400 | 401 | 403 | 405 | 503;

interface CodeInfo {
  status: AuthErrorStatus;
  title: string;
  message: string;
  /** `Retry-After` of a 503: when trying again is worth it. */
  retryAfterSeconds?: number;
}

// What a user sees when our side fails: not their fault, not Okta's, and it passes.
const OUR_SIDE = { status: 503, title: 'Sign-in is temporarily unavailable', message: 'Sign-in is temporarily unavailable; try again in a minute. The problem is on our side, not with your account or with Okta.', retryAfterSeconds: 60 } as const;

const CODES: Record<AuthErrorCode, CodeInfo> = {
  AUTH_STATE_MISMATCH: { status: 400, title: 'Sign-in could not be completed', message: 'The sign-in response did not match a sign-in started here. Please start again.' },
  AUTH_TRANSACTION_EXPIRED: { status: 400, title: 'Sign-in took too long', message: 'This sign-in was started more than 10 minutes ago. Please start again.' },
  AUTH_TRANSACTION_NOT_FOUND: { status: 400, title: 'Sign-in link already used', message: 'This sign-in response was already used or is unknown. Please start again.' },
  AUTH_BROWSER_MISMATCH: { status: 400, title: 'Sign-in started in another browser', message: 'This sign-in was started in a different browser, or its cookie was blocked. Please start again in this browser.' },
  AUTH_IDP_ERROR: { status: 400, title: 'The identity provider refused the sign-in', message: 'Okta returned an error instead of signing you in.' },
  AUTH_IDP_UNAVAILABLE: { status: 503, title: 'Okta is unreachable right now', message: 'Gatehouse cannot reach Okta right now. Please try again in a moment.', retryAfterSeconds: 30 },
  AUTH_ISSUER_MISMATCH: { status: 400, title: 'Sign-in could not be completed', message: 'The sign-in response came from an unexpected identity provider.' },
  AUTH_ID_TOKEN_INVALID: { status: 400, title: 'Sign-in could not be completed', message: 'The identity token from Okta failed validation.' },
  AUTH_NONCE_MISMATCH: { status: 400, title: 'Sign-in could not be completed', message: 'The identity token does not belong to this sign-in. Please start again.' },
  AUTH_TOKEN_EXCHANGE_FAILED: { status: 400, title: 'Sign-in could not be completed', message: 'Okta did not accept the sign-in code. Please start again.' },
  AUTH_DISCOVERY_FAILED: { status: 503, title: 'Okta is unreachable right now', message: 'Gatehouse cannot load the Okta configuration right now. Please try again in a moment.', retryAfterSeconds: 30 },
  AUTH_REFRESH_FAILED: { status: 401, title: 'Your session has ended', message: 'Okta no longer accepts this session. Please sign in again.' },
  AUTH_SESSION_EXPIRED: { status: 401, title: 'Your session has ended', message: 'Please sign in again.' },
  AUTH_UNAUTHENTICATED: { status: 401, title: 'Sign-in required', message: 'Please sign in to continue.' },
  AUTH_ACCESS_TOKEN_INVALID: { status: 401, title: 'Invalid access token', message: 'The access token is missing, expired or not meant for this application.' },
  AUTH_ACCESS_DENIED: { status: 403, title: 'Access denied', message: 'Your account does not have the role this page needs.' },
  AUTH_STEP_UP_REQUIRED: { status: 401, title: 'Please confirm it is you', message: 'This action needs a recent sign-in. Sign in again to continue.' },
  AUTH_STEP_UP_FAILED: { status: 403, title: 'Additional verification failed', message: 'Okta did not confirm the second factor this action needs. If you have none, enroll one in Okta (for example Okta Verify), then try again.' },
  AUTH_CSRF: { status: 403, title: 'Request refused', message: 'This request did not come from a Gatehouse page, so it was refused to protect your account.' },
  AUTH_USER_INACTIVE: { status: 403, title: 'Account not active', message: 'Your Okta account is not active.' },
  AUTH_BAD_REQUEST: { status: 400, title: 'Bad request', message: 'The request had invalid parameters.' },
  AUTH_METHOD_NOT_ALLOWED: { status: 405, title: 'Method not allowed', message: 'Signing out needs a POST from the sign-out button, so that other sites cannot sign you out.' },
  AUTH_STORE_UNAVAILABLE: OUR_SIDE,
  AUTH_DISK_FULL: OUR_SIDE,
};

/** Why a store call failed, as metrics, logs and audit reasons name it. */
export type StoreFailureCause =
  | 'store_timeout'
  | 'store_circuit_open'
  | 'store_unreachable'
  | 'store_busy'
  | 'store_error'
  | 'disk_full'
  | 'disk_read_only'
  | 'disk_error';

/**
 * A session store, transaction store or audit log did not do what was asked: our failure, never
 * the user's or the IdP's. Thrown by the store guard (`stores/guard.ts`), which classifies the
 * driver's error into `reason`; `cause` keeps that error.
 */
export class StoreUnavailableError extends Error {
  override readonly name = 'StoreUnavailableError';
  readonly reason: StoreFailureCause;
  /** Which store (`sessions`, `audit`). */
  readonly store: string;

  constructor(reason: StoreFailureCause, options: { cause?: unknown; store?: string } = {}) {
    super(`The ${options.store ?? 'data'} store is unavailable (${reason})`, { cause: options.cause });
    this.reason = reason;
    this.store = options.store ?? 'data';
  }
}

/**
 * The {@link AuthError} for a failure of our own stores or disk (`AUTH_DISK_FULL`,
 * `AUTH_STORE_UNAVAILABLE`, reason = the cause), or `null` when `err` is something else.
 */
export function ownFailure(err: unknown): AuthError | null {
  for (let e = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof StoreUnavailableError) {
      const disk = e.reason === 'disk_full' || e.reason === 'disk_read_only' || e.reason === 'disk_error';
      return new AuthError(disk ? 'AUTH_DISK_FULL' : 'AUTH_STORE_UNAVAILABLE', { cause: e, reason: e.reason });
    }
  }
  return null;
}

/** Options of {@link AuthError}. */
export interface AuthErrorOptions {
  cause?: unknown;
  /** Overrides the default status of the code (e.g. 403 for an IdP `access_denied`). */
  status?: AuthErrorStatus;
  /** A safe, user-facing detail appended to the page message (escaped when rendered). */
  detail?: string;
  /** A short machine reason for the audit log when it is finer than the code (`invalid_grant`). */
  reason?: string;
}

/**
 * A failure of the sign-in lifecycle. The web layer maps `code` to a page, a redirect or a
 * status; `message` is safe to show (it never contains secrets); `cause` keeps the library error.
 */
export class AuthError extends Error {
  override readonly name = 'AuthError';
  readonly code: AuthErrorCode;
  readonly status: AuthErrorStatus;
  readonly detail: string | null;
  readonly reason: string;

  constructor(code: AuthErrorCode, options: AuthErrorOptions = {}) {
    super(CODES[code].message, { cause: options.cause });
    this.code = code;
    this.status = options.status ?? CODES[code].status;
    this.detail = options.detail ?? null;
    this.reason = options.reason ?? code.toLowerCase();
  }
}

/** Title, message and status of a code, for error pages and JSON bodies. */
export function describeError(code: AuthErrorCode): Readonly<CodeInfo> {
  return CODES[code];
}

/** Type guard for {@link AuthErrorCode} strings (e.g. from a query string). */
export function isAuthErrorCode(value: unknown): value is AuthErrorCode {
  return typeof value === 'string' && Object.hasOwn(CODES, value);
}

/** Where in the flow a library error happened; it decides the code of ambiguous errors. */
export type OidcStage = 'discovery' | 'callback' | 'refresh' | 'bearer';

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'ETIMEDOUT', 'EAI_AGAIN', 'EHOSTUNREACH', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_SOCKET']);

function isNetworkFailure(err: unknown): boolean {
  if (err instanceof oidc.ClientError && (err.code === 'OAUTH_TIMEOUT' || err.code === 'OAUTH_ABORT')) return true;
  if (err instanceof TypeError && err.message === 'fetch failed') return true;
  if ((err as { code?: unknown } | null)?.code === 'ERR_JWKS_TIMEOUT') return true;
  const code = (err as { cause?: { code?: unknown } } | null)?.cause?.code;
  return typeof code === 'string' && NETWORK_CODES.has(code);
}

/** A 5xx (or other non-conforming) answer from the IdP: it is the IdP that is broken, not the user. */
function isServerFailure(err: unknown): boolean {
  if (err instanceof oidc.ResponseBodyError) return err.status >= 500;
  if (!(err instanceof oidc.ClientError) || err.code !== 'OAUTH_RESPONSE_IS_NOT_CONFORM') return false;
  const status = (err.cause as { status?: unknown } | undefined)?.status;
  return typeof status !== 'number' || status >= 500;
}

/** The claim an oauth4webapi claim-check error is about (`nonce`, `iss`, `aud`, …), when it says. */
function claimOf(err: oidc.ClientError): string | null {
  const inner = err.cause as { message?: unknown; cause?: { claim?: unknown } } | undefined;
  if (typeof inner?.cause?.claim === 'string') return inner.cause.claim;
  const match = typeof inner?.message === 'string' ? /JWT "(\w+)" \(.*\) claim missing/.exec(inner.message) : null;
  return match?.[1] ?? null;
}

function innerMessage(err: oidc.ClientError): string {
  const inner = err.cause as { message?: unknown } | undefined;
  return typeof inner?.message === 'string' ? inner.message : err.message;
}

/**
 * Translates any error thrown by `openid-client` (and the fetch beneath it) into an
 * {@link AuthError}. This is the only place that knows library error shapes.
 * @see RFC 6749 §5.2 (token endpoint errors), RFC 9207 (issuer identification)
 */
export function toAuthError(err: unknown, stage: OidcStage): AuthError {
  if (err instanceof AuthError) return err;
  const own = ownFailure(err);
  if (own) return own;
  if (isNetworkFailure(err) || isServerFailure(err)) {
    return new AuthError(stage === 'discovery' ? 'AUTH_DISCOVERY_FAILED' : 'AUTH_IDP_UNAVAILABLE', { cause: err });
  }
  if (stage === 'discovery') return new AuthError('AUTH_DISCOVERY_FAILED', { cause: err });
  if (stage === 'bearer') {
    // jose error codes (`ERR_JWT_EXPIRED`, `ERR_JWS_SIGNATURE_VERIFICATION_FAILED`, …) become reasons.
    const code = (err as { code?: unknown } | null)?.code;
    return new AuthError('AUTH_ACCESS_TOKEN_INVALID', { cause: err, reason: typeof code === 'string' ? code.replace(/^ERR_/, '').toLowerCase() : 'invalid_token' });
  }

  if (err instanceof oidc.AuthorizationResponseError) {
    const denied = err.error === 'access_denied';
    return new AuthError('AUTH_IDP_ERROR', { cause: err, status: denied ? 403 : 400, detail: idpErrorDetail(err.error, err.error_description), reason: `idp_${safeToken(err.error)}` });
  }
  if (err instanceof oidc.ResponseBodyError) {
    const reason = safeToken(err.error);
    return new AuthError(stage === 'refresh' ? 'AUTH_REFRESH_FAILED' : 'AUTH_TOKEN_EXCHANGE_FAILED', { cause: err, reason });
  }
  if (err instanceof oidc.ClientError) {
    const message = innerMessage(err);
    if (/"iss" \(issuer\) (response parameter|missing)|response parameter "iss"/.test(message)) return new AuthError('AUTH_ISSUER_MISMATCH', { cause: err });
    if (/"state"/.test(message)) return new AuthError('AUTH_STATE_MISMATCH', { cause: err });
    const claim = claimOf(err);
    if (claim === 'nonce') return new AuthError('AUTH_NONCE_MISMATCH', { cause: err });
    const tokenProblem =
      err.code === 'OAUTH_JWT_CLAIM_COMPARISON_FAILED' ||
      err.code === 'OAUTH_JWT_TIMESTAMP_CHECK_FAILED' ||
      err.code === 'OAUTH_KEY_SELECTION_FAILED' ||
      err.code === 'OAUTH_UNSUPPORTED_OPERATION' ||
      /JWT|ID Token|id_token/.test(message);
    if (tokenProblem) {
      const what =
        claim ??
        (err.code === 'OAUTH_KEY_SELECTION_FAILED' ? 'kid' :
        /signature verification failed/.test(message) ? 'signature' :
        /"alg"|JWS algorithm/.test(message) || err.code === 'OAUTH_UNSUPPORTED_OPERATION' ? 'alg' :
        /"id_token"/.test(message) ? 'missing' : 'invalid');
      return new AuthError(stage === 'refresh' ? 'AUTH_REFRESH_FAILED' : 'AUTH_ID_TOKEN_INVALID', { cause: err, reason: `id_token_${what}` });
    }
  }
  return new AuthError(stage === 'refresh' ? 'AUTH_REFRESH_FAILED' : 'AUTH_TOKEN_EXCHANGE_FAILED', { cause: err });
}

// The error codes OAuth 2.0 and OpenID Connect define (RFC 6749 §4.1.2.1 and §5.2, OIDC Core §3.1.2.6,
// RFC 6750 §3.1, RFC 8707 §2, RFC 9449 §12). A callback's `error` is whatever its sender wrote.
const OAUTH_ERROR_CODES = new Set([
  'invalid_request', 'unauthorized_client', 'access_denied', 'unsupported_response_type', 'invalid_scope', 'server_error',
  'temporarily_unavailable', 'interaction_required', 'login_required', 'account_selection_required', 'consent_required',
  'invalid_request_uri', 'invalid_request_object', 'request_not_supported', 'request_uri_not_supported', 'registration_not_supported',
  'invalid_client', 'invalid_grant', 'unsupported_grant_type', 'invalid_token', 'insufficient_scope', 'invalid_target',
  'invalid_dpop_proof', 'use_dpop_nonce',
]);

/**
 * An OAuth error code for audit reasons and logs: one of the defined codes, else `other` — so a
 * forged callback cannot write its own words (or grow the set of reasons) in the audit log.
 */
function safeToken(value: unknown): string {
  if (typeof value !== 'string') return 'unknown';
  const code = value.toLowerCase();
  return OAUTH_ERROR_CODES.has(code) ? code : 'other';
}

/** An OAuth `error` value reduced to one of the codes OAuth defines (else `other`, or `unknown` when absent). */
export const oauthErrorCode: (value: unknown) => string = safeToken;

function idpErrorDetail(error: unknown, description: unknown): string {
  const code = typeof error === 'string' ? error.slice(0, 100) : 'unknown_error';
  const text = typeof description === 'string' && description.length > 0 ? `: ${description.slice(0, 300)}` : '';
  return `${code}${text}`;
}

// Error codes are short upper-case tokens (ECONNRESET, UND_ERR_SOCKET, OAUTH_TIMEOUT, 57014):
// anything else is not a code and is left out, so no message text can carry a secret into a log.
const CODE_SHAPE = /^[A-Z0-9_]{2,40}$/;

/** The innermost code in `err`'s cause chain (the socket's `ECONNRESET` under a `fetch failed`). */
function rootCode(err: unknown): string | null {
  let found: string | null = null;
  for (let e = err, depth = 0; e && depth < 8; e = (e as { cause?: unknown }).cause, depth++) {
    // Our own code is reported as `code`; this is about what lies beneath it.
    if (e instanceof AuthError) continue;
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && CODE_SHAPE.test(code)) found = code;
  }
  return found;
}

/**
 * A one-line, secret-free summary of an error for logs: its code and reason, the library's error
 * name and code, and the innermost cause's code (`causeCode`: `ECONNRESET`, `UND_ERR_SOCKET`, …)
 * that says what the network or the disk did.
 */
export function errorSummary(err: unknown): Record<string, string> {
  const causeCode = rootCode(err);
  const deepest: Record<string, string> = causeCode ? { causeCode } : {};
  if (err instanceof AuthError) {
    const cause = err.cause as { name?: unknown; code?: unknown } | undefined;
    return { code: err.code, reason: err.reason, ...(typeof cause?.code === 'string' ? { libraryCode: cause.code } : {}), ...(typeof cause?.name === 'string' ? { libraryError: cause.name } : {}), ...deepest };
  }
  if (err instanceof StoreUnavailableError) return { error: err.name, reason: err.reason, store: err.store, ...deepest };
  if (err instanceof Error) return { error: err.name, ...deepest };
  return { error: typeof err };
}
