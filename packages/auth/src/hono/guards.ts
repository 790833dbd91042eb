/**
 * Route guards: verbs that return what they checked or throw what was missing — data, not a
 * rendered page: {@link SignInRequiredError}, {@link AccessDeniedError}, {@link StepUpRequiredError}.
 * The app's `onError` maps each to its own page, redirect or JSON; without one, each error's
 * `getResponse()` gives the adapter's plain default. The server-side check is the one that counts;
 * the UI may hide what a role cannot do.
 *
 * Step-up for POST actions: a redirect cannot replay a POST, so guard the action twice —
 * `requireRecentAuth(c, { maxAgeSeconds, returnTo: '/admin/users/123/confirm-delete' })` in the
 * POST handler (sending the user to a GET confirmation page after re-authenticating), and the same
 * guard on that GET page, whose form posts the action again with a fresh `auth_time`.
 */
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { AuthState } from '../auth.ts';
import { userFields } from '../audit.ts';
import { describeError } from '../errors.ts';
import { loginUrl } from '../oidc/context.ts';
import { hasMfa, hasMfaIfEnrolled } from '../oidc/claims.ts';
import { renderErrorJson, renderErrorPage } from '../oidc/error-page.ts';
import type { AuthUser, Permission, Role } from '../types.ts';
import { type AuthEnv, callerOf, currentPath, wantsJson } from './context.ts';

/** An authenticated state: `user` is set. */
export type SignedInState = AuthState & { user: AuthUser };

/** What a denied request needed, and which Okta groups would have granted it (for the 403 page). */
export interface AccessDeniedDetails {
  needed: { roles?: Role[]; permission?: Permission };
  groupsThatGrant: string[];
}

function redirect(location: string): Response {
  return new Response(null, { status: 302, headers: { location, 'cache-control': 'no-store' } });
}

/**
 * Thrown by {@link requireSession} (and every guard before it checks more): nobody is signed in.
 * Status 302 for pages (`getResponse()` redirects to {@link loginUrl}), 401 for API calls (JSON
 * with `WWW-Authenticate: Bearer`).
 */
export class SignInRequiredError extends HTTPException {
  override readonly name = 'SignInRequiredError';
  readonly code = 'AUTH_UNAUTHENTICATED' as const;

  constructor(
    /** `/auth/login?returnTo=<the page asked for>`. */
    readonly loginUrl: string,
    /** Whether the caller wants JSON (an API call) rather than a page. */
    readonly json: boolean,
  ) {
    super(json ? 401 : 302, { message: json ? describeError('AUTH_UNAUTHENTICATED').message : 'Sign-in required' });
  }

  override getResponse(): Response {
    if (!this.json) return redirect(this.loginUrl);
    return renderErrorJson({ code: this.code, status: 401, message: this.message }, { 'www-authenticate': 'Bearer' });
  }
}

/**
 * Thrown by {@link requireRole} / {@link requirePermission}: status 403. The app's `onError`
 * renders its own 403 page from `needed` and `groupsThatGrant`; without one, `getResponse()`
 * gives a plain page (or JSON for API calls).
 */
export class AccessDeniedError extends HTTPException {
  override readonly name = 'AccessDeniedError';
  readonly code = 'AUTH_ACCESS_DENIED' as const;
  readonly needed: AccessDeniedDetails['needed'];
  readonly groupsThatGrant: string[];

  constructor(
    details: AccessDeniedDetails,
    /** Whether the caller wants JSON (an API call) rather than a page. */
    readonly json: boolean,
  ) {
    super(403, { message: describeError('AUTH_ACCESS_DENIED').message });
    this.needed = details.needed;
    this.groupsThatGrant = details.groupsThatGrant;
  }

  override getResponse(): Response {
    if (this.json) return Response.json({ error: { code: this.code, message: this.message, needed: this.needed, groupsThatGrant: this.groupsThatGrant } }, { status: 403 });
    const info = describeError(this.code);
    const grant = this.groupsThatGrant.length > 0 ? ` Ask to be added to one of these Okta groups: ${this.groupsThatGrant.join(', ')}.` : '';
    return renderErrorPage({ code: this.code, status: 403, title: info.title, message: `${info.message}${grant}`, retryUrl: null });
  }
}

/**
 * Thrown by {@link requireRecentAuth}: the IdP sign-in is too old (or lacks the second factor).
 * Status 302 for pages (`getResponse()` redirects to `stepUpUrl`), 401 for API calls (JSON naming
 * the `stepUpUrl`).
 */
export class StepUpRequiredError extends HTTPException {
  override readonly name = 'StepUpRequiredError';
  readonly code = 'AUTH_STEP_UP_REQUIRED' as const;

  constructor(
    /** `/auth/login?…&prompt=login` coming back to the action. */
    readonly stepUpUrl: string,
    /** Whether the caller wants JSON (an API call) rather than a page. */
    readonly json: boolean,
  ) {
    super(json ? 401 : 302, { message: json ? describeError('AUTH_STEP_UP_REQUIRED').message : 'Recent sign-in required' });
  }

  override getResponse(): Response {
    if (!this.json) return redirect(this.stepUpUrl);
    return Response.json({ error: { code: this.code, message: this.message, stepUpUrl: this.stepUpUrl } }, { status: 401, headers: { 'cache-control': 'no-store' } });
  }
}

/**
 * The signed-in caller, or throws {@link SignInRequiredError}: pages get a 302 to
 * `/auth/login?returnTo=<this page>`, API calls (`/api/*` or `Accept: application/json`) a 401 JSON.
 */
export function requireSession(c: Context<AuthEnv>): SignedInState {
  const { caller } = callerOf(c);
  if (caller.isAuthenticated && caller.user) return caller as SignedInState;
  throw new SignInRequiredError(loginUrl(currentPath(c)), wantsJson(c));
}

function deny(c: Context<AuthEnv>, state: SignedInState, details: AccessDeniedDetails): never {
  const { auth } = callerOf(c);
  void auth.audit({
    type: 'access.denied',
    result: 'failure',
    reason: details.needed.permission ? 'permission_missing' : 'role_missing',
    ...userFields(state.user, state.session?.id),
    detail: { path: c.req.path, needed: details.needed.permission ?? details.needed.roles?.join(',') ?? null },
  });
  throw new AccessDeniedError(details, wantsJson(c));
}

function groupsFor(c: Context<AuthEnv>, roles: readonly Role[]): string[] {
  const { auth } = callerOf(c);
  return [...new Set(roles.flatMap((role) => auth.rbac.groupsOf(role)))];
}

/** The signed-in caller if they hold at least one of `role`; otherwise throws {@link AccessDeniedError}. */
export function requireRole(c: Context<AuthEnv>, role: Role | Role[]): SignedInState {
  const state = requireSession(c);
  const roles = Array.isArray(role) ? role : [role];
  if (roles.some((needed) => state.roles.includes(needed))) return state;
  return deny(c, state, { needed: { roles }, groupsThatGrant: groupsFor(c, roles) });
}

/** The signed-in caller if one of their roles grants `permission`; otherwise throws {@link AccessDeniedError}. */
export function requirePermission(c: Context<AuthEnv>, permission: Permission): SignedInState {
  const state = requireSession(c);
  const { rbac } = callerOf(c).auth;
  if (rbac.has(state.roles, permission)) return state;
  return deny(c, state, { needed: { permission }, groupsThatGrant: groupsFor(c, rbac.rolesGranting(permission)) });
}

/**
 * How recent (and how strong) the IdP authentication must be for {@link requireRecentAuth}.
 * @see OIDC Core §3.1.2.1 (`max_age`, `acr_values`)
 */
export interface RecentAuthOptions {
  /** Maximum age of the IdP authentication (`auth_time`), in seconds. */
  maxAgeSeconds: number;
  /**
   * Also require a second factor (`amr` holds an MFA method): `true` always — a user with no
   * factor enrolled cannot pass —, `'if-enrolled'` whenever the user has one (Okta's
   * `urn:okta:loa:2fa:any:ifpossible`; an insecure opt-out: a factorless user passes on a password).
   */
  mfa?: boolean | 'if-enrolled';
  /** Where to come back to after re-authenticating; default: this path (use a GET page for POST actions). */
  returnTo?: string;
}

/**
 * The signed-in caller if they authenticated at the IdP within `maxAgeSeconds` (and with MFA when
 * asked); otherwise throws {@link StepUpRequiredError}: a redirect through `/auth/login` with `max_age`, `prompt=login` and,
 * for MFA, `acr_values=urn:okta:loa:2fa:any`, coming back to the action. API calls get a 401 JSON
 * with the step-up URL. On return, the new session carries the fresh `auth_time` / `amr`.
 * @see OIDC Core §3.1.2.1 (`max_age`, `acr_values`), RFC 9470 (step-up)
 */
export function requireRecentAuth(c: Context<AuthEnv>, options: RecentAuthOptions): SignedInState {
  const state = requireSession(c);
  const { auth } = callerOf(c);
  const authTime = typeof state.claims.auth_time === 'number' ? state.claims.auth_time : null;
  const fresh = authTime !== null && auth.now() / 1000 - authTime <= options.maxAgeSeconds;
  const mfaOk = !options.mfa || (options.mfa === 'if-enrolled' ? hasMfaIfEnrolled(state.claims) : hasMfa(state.claims));
  if (fresh && mfaOk) return state;

  const target = auth.stepUpUrl(options.returnTo ?? currentPath(c), { maxAgeSeconds: options.maxAgeSeconds, mfa: options.mfa ?? false });
  void auth.audit({
    type: 'stepup.required',
    result: 'failure',
    reason: fresh ? 'mfa_required' : 'auth_too_old',
    sub: state.user.sub,
    ...(state.session ? { sessionId: state.session.id } : {}),
    detail: { path: c.req.path, maxAgeSeconds: options.maxAgeSeconds, mfa: typeof options.mfa === 'string' ? options.mfa : options.mfa === true },
  });
  throw new StepUpRequiredError(target, wantsJson(c));
}
