/**
 * The admin action primitive: `adminAction(deps, name, spec)` builds the POST handler of an entry
 * of the policy table (`policy.ts`) and applies, in this order and always, permission → step-up →
 * input check → call → audit → redirect. Handlers only say how to read their input and what to do.
 */
import type { Context, Handler } from 'hono';
import { hasMfa, MFA_IF_ENROLLED_ACR } from '@gatehouse/auth';
import { requirePermission, requireRecentAuth, type SignedInState } from '@gatehouse/auth/hono';
import type { AuthEnv, AuthState, AppDeps } from '../../app-context.ts';
import { DirectoryError } from '../../management-api/directory.ts';
import { ADMIN_ACTIONS, type AdminActionName } from './policy.ts';

/** Audit detail values. */
type Detail = Record<string, string | number | boolean | null>;

/** Thrown for a form the action cannot use; rendered as a 400 page. */
export class BadFormError extends Error {
  override readonly name = 'BadFormError';
  readonly code = 'BAD_FORM' as const;
}

/** Thrown by {@link requireAdminStepUp} for an admin known to have no second factor: a 403 page telling them to enroll one. */
export class NoFactorEnrolledError extends Error {
  override readonly name = 'NoFactorEnrolledError';
  readonly code = 'NO_FACTOR_ENROLLED' as const;
}

/** The posted form as strings (files and repeated fields are reduced to strings / arrays). */
export async function readForm(c: Context<AuthEnv>): Promise<Record<string, string | string[]>> {
  let body: Record<string, unknown>;
  try {
    body = await c.req.parseBody({ all: true });
  } catch (err) {
    throw new BadFormError('The form could not be read.', { cause: err });
  }
  const form: Record<string, string | string[]> = {};
  for (const [key, value] of Object.entries(body)) {
    if (typeof value === 'string') form[key] = value;
    else if (Array.isArray(value)) form[key] = value.filter((item): item is string => typeof item === 'string');
  }
  return form;
}

/**
 * The step-up every privileged action needs: an IdP sign-in within STEP_UP_MAX_AGE (default 300 s)
 * with a second factor in `amr` (STEP_UP_MFA=if-enrolled, the insecure opt-out, accepts Okta's
 * `…:ifpossible` instead). Otherwise throws a redirect through the IdP to `returnTo` — a GET page
 * (form or confirmation) guarded the same way, since a POST cannot survive the round trip.
 * An admin whose session shows they have no factor at all is told to enroll one instead.
 * @see OIDC Core §3.1.2.1 (`max_age`, `acr_values`), RFC 9470
 */
export function requireAdminStepUp(c: Context<AuthEnv>, deps: AppDeps, returnTo?: string): SignedInState {
  const { maxAgeSeconds, mfa } = deps.config.stepUp;
  const state = c.get('caller');
  // Okta answered `…:ifpossible` without a factor: asking for `2fa:any` again cannot succeed.
  if (mfa === 'required' && state?.isAuthenticated && state.claims.acr === MFA_IF_ENROLLED_ACR && !hasMfa(state.claims)) {
    throw new NoFactorEnrolledError('This action needs a second factor, and your Okta account has none enrolled.');
  }
  return requireRecentAuth(c, { maxAgeSeconds, mfa: mfa === 'required' ? true : 'if-enrolled', ...(returnTo ? { returnTo } : {}) });
}

/** Records an admin action (who did what to whom) in the audit log. */
export async function recordAdminAction(
  deps: AppDeps,
  auth: AuthState,
  action: string,
  target: string,
  result: 'success' | 'failure',
  extra: Detail = {},
): Promise<void> {
  // No IP or browser here: the session id links to the session's own (summarized) ones.
  await deps.audit.record({
    type: 'admin.action',
    result,
    ...(auth.user ? { sub: auth.user.sub } : {}),
    ...(auth.user?.email ? { email: auth.user.email } : {}),
    ...(auth.session ? { sessionId: auth.session.id } : {}),
    detail: { action, target, ...extra },
  });
}

/** Okta object ids and session ids are short base62/base64url strings; anything else is a 404. */
export function isSafeId(value: string | undefined): value is string {
  return value !== undefined && /^[A-Za-z0-9_-]{1,128}$/.test(value);
}

/** What a successful action did: for the audit entry and the redirect. */
export interface ActionOutcome {
  /** Who or what the action was done to (an Okta user id). */
  target: string;
  /** Where the admin goes next (303). */
  redirect: string;
  detail?: Detail;
  /** Okta groups mapped to the admin role that the target was put into: each is a `role.granted` event. */
  adminGroupsGranted?: string[];
  /** Email of the target, when known (for the `role.granted` event). */
  targetEmail?: string | null;
}

/** How one admin action reads its input and what it does; the checks around it are `adminAction`'s. */
export interface AdminActionSpec<Input> {
  /** The GET page the IdP round trip of a step-up comes back to (the action's form or confirmation page). */
  stepUpReturn(c: Context<AuthEnv>): string;
  /**
   * Reads and checks the input (route parameters, the form): the input, or a 4xx page to show
   * (recorded as a failed action with `error: 'bad_input'`).
   */
  input(c: Context<AuthEnv>, auth: SignedInState): Promise<{ input: Input; target: string } | { reject: Response; target: string }>;
  /** Does it. A `DirectoryError` is recorded as a failure and shown by `onError` (default: the directory failure page). */
  run(c: Context<AuthEnv>, input: Input, auth: SignedInState): Promise<ActionOutcome>;
  /** The page for a failed call (after the failure is recorded); without one the error goes to the app's error handler. */
  onError?(c: Context<AuthEnv>, err: unknown, input: Input, auth: SignedInState): Response | Promise<Response>;
}

/**
 * Builds the POST handler of the admin action `name`: permission (403) → step-up (redirect via
 * the IdP to `stepUpReturn`) → `input` (4xx page) → `run` → audit entry (success or failure, plus
 * `role.granted` for admin groups given) → 303 redirect. Handlers cannot skip or reorder a step.
 */
export function adminAction<Input>(deps: AppDeps, name: AdminActionName, spec: AdminActionSpec<Input>): Handler<AuthEnv> {
  const policy = ADMIN_ACTIONS[name];
  const handler: Handler<AuthEnv> = async function runAdminAction(c) {
    const auth = requirePermission(c, policy.permission);
    if (policy.stepUp) requireAdminStepUp(c, deps, spec.stepUpReturn(c));
    const checked = await spec.input(c, auth);
    if ('reject' in checked) {
      await recordAdminAction(deps, auth, policy.audit, checked.target, 'failure', { error: 'bad_input' });
      return checked.reject;
    }
    let outcome: ActionOutcome;
    try {
      outcome = await spec.run(c, checked.input, auth);
    } catch (err) {
      await recordAdminAction(deps, auth, policy.audit, checked.target, 'failure', { error: err instanceof DirectoryError ? err.code : 'unexpected' });
      if (!spec.onError) throw err;
      return spec.onError(c, err, checked.input, auth);
    }
    await recordAdminAction(deps, auth, policy.audit, outcome.target, 'success', outcome.detail ?? {});
    for (const group of outcome.adminGroupsGranted ?? []) await recordAdminGrant(deps, auth, outcome.target, outcome.targetEmail ?? null, group, policy.audit);
    deps.logger.info({ action: policy.audit, admin: auth.user.sub, target: outcome.target }, 'admin action');
    return c.redirect(outcome.redirect, 303);
  };
  adminActionHandlers.add(handler);
  return handler;
}

/** Every handler `adminAction` built: a test checks that each admin POST route is one of them. */
export const adminActionHandlers = new WeakSet<Handler<AuthEnv>>();

/** Records that `target` was given the admin role (put into `group`, one of GATEHOUSE_ADMIN_GROUPS). */
async function recordAdminGrant(deps: AppDeps, auth: SignedInState, target: string, targetEmail: string | null, group: string, via: string): Promise<void> {
  await deps.audit.record({
    type: 'role.granted',
    result: 'success',
    sub: auth.user.sub,
    ...(auth.user.email ? { email: auth.user.email } : {}),
    ...(auth.session ? { sessionId: auth.session.id } : {}),
    detail: { role: 'admin', group, target, targetEmail, via },
  });
  deps.logger.warn({ admin: auth.user.sub, target, group }, 'admin role granted');
}

/** Of `groupNames`, those that GATEHOUSE_ADMIN_GROUPS maps to the admin role. */
export function adminGroupsAmong(deps: AppDeps, groupNames: readonly string[]): string[] {
  return groupNames.filter((group) => deps.config.roles.admin.includes(group));
}
