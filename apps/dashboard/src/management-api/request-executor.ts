/**
 * The request executor every Management API client of the dashboard uses: the SDK's default
 * (429 → wait for `X-Rate-Limit-Reset`, retry), plus one repair for service apps.
 *
 * `@okta/okta-sdk-nodejs` 8.1 does not check the answer of its own token request (its OAuth
 * helper calls an `errorFilter` that its `http` module no longer exports), so a token error such
 * as `invalid_scope` is cached as if it were a token and the API call goes out as
 * `Bearer undefined` — the admin then only ever sees Okta's 401 "Invalid token provided". This
 * executor checks the token endpoint's answer and throws a {@link DirectoryError} saying what
 * Okta refused and where to fix it.
 * @see https://developer.okta.com/docs/guides/implement-oauth-for-okta-serviceapp/main/
 * @see RFC 6749 §5.2 (token error response)
 */
import okta from '@okta/okta-sdk-nodejs';
import type { Logger } from 'pino';
import { DirectoryError } from './errors.ts';

/** Path of the org authorization server's token endpoint, where the SDK gets service-app tokens. */
const TOKEN_PATH = '/oauth2/v1/token';

interface TokenErrorBody {
  error?: unknown;
  error_description?: unknown;
}

// node-fetch's RequestInit is untyped here (no @types/node-fetch): name the two fields read.
type ExecutorRequest = Parameters<okta.DefaultRequestExecutor['fetch']>[0] & { body?: unknown; method?: string };
type ExecutorResponse = Awaited<ReturnType<okta.DefaultRequestExecutor['fetch']>>;

function requestedScopes(request: ExecutorRequest): string {
  const body = typeof request.body === 'string' ? request.body : '';
  return new URLSearchParams(body).get('scope') ?? '';
}

/** What a refused token request means for the admin, as a {@link DirectoryError}. */
export function tokenRequestError(status: number, body: TokenErrorBody, scopes: string): DirectoryError {
  const error = typeof body.error === 'string' ? body.error : '';
  if (status === 429) {
    return new DirectoryError('DIRECTORY_RATE_LIMITED', 'Okta is rate-limiting the service app\'s token requests; try again in a minute.', { status });
  }
  if (error === 'invalid_scope') {
    return new DirectoryError(
      'DIRECTORY_FORBIDDEN',
      `Okta has not granted the service app the scope ${scopes || '(none)'}, which this action needs. Grant it in the Okta Admin Console → Applications → the service app (OKTA_MANAGEMENT_CLIENT_ID) → Okta API Scopes.`,
      { status },
    );
  }
  if (error === 'invalid_client' || error === 'unauthorized_client' || status === 401) {
    return new DirectoryError(
      'DIRECTORY_FORBIDDEN',
      'Okta refused the service app\'s credentials: check OKTA_MANAGEMENT_CLIENT_ID, that the app uses "Public key / Private key" client authentication with the public half of OKTA_MANAGEMENT_PRIVATE_KEY, and that it may use the Client Credentials grant.',
      { status },
    );
  }
  if (status >= 500) return new DirectoryError('DIRECTORY_UNAVAILABLE', 'Okta\'s token endpoint could not be reached.', { status });
  return new DirectoryError('DIRECTORY_FORBIDDEN', `Okta refused the service app's token request (${error || `HTTP ${status}`}).`, { status });
}

/** The SDK's default executor with token errors surfaced; one per SDK client. */
export class DirectoryRequestExecutor extends okta.DefaultRequestExecutor {
  constructor(options: { maxRetries: number; requestTimeout: number; logger?: Pick<Logger, 'warn'> | undefined }) {
    super({ maxRetries: options.maxRetries, requestTimeout: options.requestTimeout });
    const logger = options.logger;
    if (logger) {
      this.on('backoff', function logBackoff(_request: unknown, _response: unknown, _requestId: unknown, delayMs: unknown) {
        logger.warn({ delayMs }, 'Okta Management API rate limit reached; retrying after X-Rate-Limit-Reset');
      });
    }
  }

  override async fetch(request: ExecutorRequest): Promise<ExecutorResponse> {
    const response = await super.fetch(request);
    if (response.ok || !isTokenRequest(request)) return response;
    const body = (await response.clone().json().catch(() => ({}))) as TokenErrorBody;
    // DPoP nonce challenge: the SDK answers it itself with a second token request.
    if (body.error === 'use_dpop_nonce') return response;
    throw tokenRequestError(response.status, body, requestedScopes(request));
  }
}

function isTokenRequest(request: ExecutorRequest): boolean {
  const url = URL.parse(request.url ?? '');
  return url?.pathname === TOKEN_PATH && String(request.method ?? '').toUpperCase() === 'POST';
}
