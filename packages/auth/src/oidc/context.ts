/**
 * What every step of the flow (login, callback, refresh, logout) shares: config, IdP client,
 * the login transactions, session cookie, session manager (the one path to sessions), audit, logger, clock and the error renderer — plus the
 * helpers that turn an {@link AuthError} (or any page) into the response the user sees.
 */
import type { GatehouseConfig } from '../config/schema.ts';
import type { Audit, AuthLogger } from '../audit.ts';
import type { SessionCookie } from '../session/cookie.ts';
import type { SessionManager } from '../session/manager.ts';
import type { RoleTable } from '../rbac.ts';
import type { TransactionStore, UserDirectory } from '../types.ts';
import { type AuthError, type AuthErrorCode, describeError } from '../errors.ts';
import type { OidcClient } from './client.ts';

/** What an error page is given: everything is plain text (the renderer escapes it). */
export interface ErrorPageInput {
  code: AuthErrorCode | string;
  status: number;
  title: string;
  message: string;
  /** Where "Try again" goes (`/auth/login?returnTo=…`), or null when retrying makes no sense. */
  retryUrl: string | null;
}

/** Renders an error page; the app may replace the default to match its layout. */
export type RenderError = (input: ErrorPageInput) => Response | Promise<Response>;

/** What every step of the flow is given; built once by `createAuth`. */
export interface FlowContext {
  config: GatehouseConfig;
  client: OidcClient;
  /** Where logins in flight wait between `/auth/login` and `/auth/callback`. */
  transactions: TransactionStore;
  /** Every read and write of a session goes through it. */
  sessions: SessionManager;
  /** The session cookie of `config`. */
  cookie: SessionCookie;
  audit: Audit;
  logger: AuthLogger;
  /** Current time, epoch ms (injectable for tests). */
  now: () => number;
  renderError: RenderError;
  /** The project's roles table (core and app roles), for mapping the `groups` claim. */
  rbac: RoleTable;
  /** The Management API, for groups a token left out (thin token, cut at the cap); `null` without one. */
  directory?: UserDirectory | null;
}

/** `/auth/login?returnTo=…` for a "Try again" link. */
export function loginUrl(returnTo: string): string {
  return `/auth/login?returnTo=${encodeURIComponent(returnTo)}`;
}

/** The response for `error`: the app's (or default) page, never cached, never a stack trace. */
export async function errorResponse(ctx: FlowContext, error: AuthError, retryUrl: string | null, extraHeaders: Array<[string, string]> = []): Promise<Response> {
  const info = describeError(error.code);
  const message = error.detail ? `${info.message} (${error.detail})` : info.message;
  // A 503 says when to come back (RFC 9110 §10.2.3), so clients and proxies do not hammer a failing part.
  const retryAfter: Array<[string, string]> = error.status === 503 && info.retryAfterSeconds ? [['retry-after', String(info.retryAfterSeconds)]] : [];
  return pageResponse(ctx, { code: error.code, status: error.status, title: info.title, message, retryUrl }, [...retryAfter, ...extraHeaders]);
}

/** `input` rendered by the app's (or default) page renderer, never cached, with `extraHeaders` added. */
export async function pageResponse(ctx: FlowContext, input: ErrorPageInput, extraHeaders: Array<[string, string]> = []): Promise<Response> {
  const rendered = await ctx.renderError(input);
  const headers = new Headers(rendered.headers);
  headers.set('cache-control', 'no-store');
  for (const [name, value] of extraHeaders) headers.append(name, value);
  return new Response(rendered.body, { status: rendered.status, headers });
}
