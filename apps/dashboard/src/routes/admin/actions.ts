/**
 * Shared plumbing of admin actions: reading a posted form, recording the action in the audit
 * log, and the step-up rule for the most sensitive ones.
 */
import type { Context } from 'hono';
import { requireRecentAuth } from '@gatehouse/auth/hono';
import type { AuthEnv, AuthState } from '../../auth.ts';
import type { AppDeps } from '../../deps.ts';

/**
 * 5 minutes, and MFA whenever the admin has a factor enrolled (Okta's `2fa:any:ifpossible`; an
 * admin without one could otherwise never act): deactivating a user or ending all their sessions must be done by the admin
 * in front of the screen now, not by whoever finds an unlocked laptop with an old session.
 */
export const STEP_UP = { maxAgeSeconds: 300, mfa: 'if-enrolled' } as const;

/** Thrown for a form the action cannot use; rendered as a 400 page. */
export class BadFormError extends Error {
  override readonly name = 'BadFormError';
  readonly code = 'BAD_FORM' as const;
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
 * Step-up guard for a POST action. A POST cannot survive the IdP round trip, so when the sign-in
 * is too old (or lacks MFA) the admin goes through the IdP and comes back to `confirmPage` (a
 * GET guarded the same way), whose form posts the action again with a fresh `auth_time`.
 */
export function requireStepUp(c: Context<AuthEnv>, confirmPage: string): void {
  requireRecentAuth(c, { ...STEP_UP, returnTo: confirmPage });
}

/** Records an admin action (who did what to whom) in the audit log. */
export async function recordAdminAction(
  deps: AppDeps,
  auth: AuthState,
  action: string,
  target: string,
  result: 'success' | 'failure',
  extra: Record<string, string | number | boolean | null> = {},
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
