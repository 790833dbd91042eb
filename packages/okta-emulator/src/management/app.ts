import { Hono } from 'hono';
import { methodNotAllowed } from 'hono/method-not-allowed';
import type { Directory } from '../directory/directory.ts';
import { DirectoryError } from '../directory/errors.ts';
import type { DirectoryUser } from '../directory/types.ts';
import { appRoutes } from './apps.ts';
import { authenticate, type ManagementEnv, type VerifyOrgAccessToken } from './auth.ts';
import { authorizationServerRoutes } from './authorization-servers.ts';
import { errorBody, fromDirectoryError, OktaApiError, oktaError } from './errors.ts';
import { eventHookRoutes } from './event-hooks.ts';
import { groupRoutes } from './groups.ts';
import { rateLimit } from './rate-limit.ts';
import { userRoutes } from './users.ts';

/** Options of {@link createManagementApp}. */
export interface ManagementAppOptions {
  /** The org's public base URL, for `Link` headers and `_links`. */
  orgUrl: string;
  /** Checks an access token of the org authorization server (service apps with `private_key_jwt`). */
  verifyOrgAccessToken: VerifyOrgAccessToken;
  /** The fetch used for event hook verification requests. */
  fetch?: typeof fetch;
  /** Host names event hook verification may call besides loopback. */
  eventHookHosts?: string[];
  /** Where unexpected failures are reported (the emulator's logger); default: nowhere. */
  logError?: (message: string) => void;
  /** Called when an admin clears a user's sessions (Universal Logout to the apps that support it). */
  onClearSessions?: (user: DirectoryUser) => Promise<void>;
}

/**
 * The Okta Management API subset as a Hono app serving `/api/v1/*`: users, groups, group
 * membership and event hooks, with SSWS or OAuth 2.0 authentication, per-minute rate limits
 * and Okta's error shapes. Compatible with `@okta/okta-sdk-nodejs` v8.
 * @see https://developer.okta.com/docs/api/openapi/okta-management/guides/overview/
 */
export function createManagementApp(directory: Directory, options: ManagementAppOptions): Hono<ManagementEnv> {
  const orgUrl = new URL(options.orgUrl).origin;
  const app = new Hono<ManagementEnv>();

  app.use(
    '/api/v1/*',
    methodNotAllowed({
      app,
      onMethodNotAllowed: (c, methods) =>
        c.json(errorBody('E0000022', 'The endpoint does not support the provided HTTP method'), 405, { Allow: methods.join(', ') }),
    }),
  );
  app.use('/api/v1/*', async function requestId(c, next) {
    c.header('X-Okta-Request-Id', crypto.randomUUID().replaceAll('-', ''));
    await next();
  });
  app.use('/api/v1/*', authenticate(directory, options.verifyOrgAccessToken));
  app.use('/api/v1/*', rateLimit({ perMinute: directory.rateLimitPerMinute }));

  userRoutes(app, directory, orgUrl, options.onClearSessions);
  groupRoutes(app, directory, orgUrl);
  eventHookRoutes(app, directory, orgUrl, { fetch: options.fetch, allowedHosts: options.eventHookHosts ?? [] });
  appRoutes(app, directory, orgUrl);
  authorizationServerRoutes(app, directory, orgUrl);

  // A route rather than notFound(): it must also answer when this app is mounted in another.
  app.all('/api/v1/*', (c) => c.json(errorBody('E0000007', `Not found: Resource not found: ${c.req.path} (Endpoint)`), 404));
  app.onError(function managementError(error, c) {
    if (error instanceof OktaApiError) return oktaError(c, error);
    if (error instanceof DirectoryError) return oktaError(c, fromDirectoryError(error));
    // Anything else is a bug here, not the caller's fault: no detail leaves the server, and the
    // log gets the error's name and the route only (a message may quote the request's body).
    options.logError?.(`Management API failure: ${error.name} at ${c.req.method} ${c.req.routePath}`);
    return c.json(errorBody('E0000009', 'Internal Server Error'), 500);
  });
  return app;
}
