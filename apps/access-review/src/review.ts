/**
 * The access review's data: every Okta user holding a dashboard role (admin or viewer, through the
 * groups that grant it), when they last signed in — from the audit log, and Okta's own `lastLogin`
 * — and which accounts a review flags: no sign-in for 30 days. Reviews are kept in the audit log
 * (one `admin.action` per review and per flagged account), where they also serve as evidence.
 */
import type { AppContext, OktaUser } from '@gatehouse/app-kit';
import type { CoreRole, StoredAuditEvent } from '@gatehouse/auth';

/** 30 days: the usual access-review window (an account unused for a month is a candidate for removal). */
export const UNUSED_AFTER_DAYS = 30;
const DAY_MS = 24 * 3600 * 1000;
/** The roles under review: the dashboard's. */
export const REVIEWED_ROLES: readonly CoreRole[] = ['admin', 'viewer'];
// 1000: the audit log's largest page; reviews older than the newest thousand app actions are not listed.
const AUDIT_WINDOW = 1000;

/** One account under review. */
export interface ReviewedAccount {
  user: OktaUser;
  /** Which of the reviewed roles the user's Okta groups grant. */
  roles: CoreRole[];
  /** The user's last successful sign-in to this project (audit log); `null` if none is recorded. */
  lastSignIn: Date | null;
  /** The later of `lastSignIn` and Okta's `lastLogin`; `null` if neither knows one. */
  lastSeen: Date | null;
  /** Whole days since `lastSeen`; `null` if never seen. */
  idleDays: number | null;
  /** Unused for {@link UNUSED_AFTER_DAYS} days or more, or never used. */
  unused: boolean;
}

/** A started review, as recorded in the audit log. */
export interface Review {
  id: string;
  startedAt: Date;
  startedBy: string;
  accounts: number;
  flagged: Array<{ sub: string; email: string; idleDays: number | null }>;
}

/**
 * Everyone holding admin or viewer through Okta group membership, read through the Management API,
 * with their last sign-in from the audit log; sorted most idle first.
 */
export async function accountsUnderReview(ctx: AppContext, okta: NonNullable<AppContext['okta']>, now: number): Promise<ReviewedAccount[]> {
  const granting = new Map<string, CoreRole[]>();
  for (const role of REVIEWED_ROLES) for (const group of ctx.auth.rbac.groupsOf(role)) granting.set(group, [...(granting.get(group) ?? []), role]);
  const groups = (await okta.listGroups()).filter((group) => granting.has(group.name));
  const byId = new Map<string, { user: OktaUser; roles: Set<CoreRole> }>();
  for (const group of groups) {
    for (const user of await okta.listGroupUsers(group.id)) {
      const entry = byId.get(user.id) ?? { user, roles: new Set<CoreRole>() };
      for (const role of granting.get(group.name) ?? []) entry.roles.add(role);
      byId.set(user.id, entry);
    }
  }
  const accounts: ReviewedAccount[] = [];
  for (const { user, roles } of byId.values()) {
    const [last] = await ctx.audit.query({ type: 'signin.succeeded', sub: user.id, limit: 1 });
    const lastSignIn = last ? new Date(last.at) : null;
    const lastSeen = [lastSignIn, user.lastLogin].filter((date): date is Date => date !== null).sort((a, b) => b.getTime() - a.getTime())[0] ?? null;
    const idleDays = lastSeen ? Math.floor((now - lastSeen.getTime()) / DAY_MS) : null;
    accounts.push({
      user,
      roles: REVIEWED_ROLES.filter((role) => roles.has(role)),
      lastSignIn,
      lastSeen,
      idleDays,
      unused: idleDays === null || idleDays >= UNUSED_AFTER_DAYS,
    });
  }
  return accounts.sort((a, b) => (b.idleDays ?? Infinity) - (a.idleDays ?? Infinity) || a.user.login.localeCompare(b.user.login));
}

/** Records a review of `accounts` started by `by`: one event for the review, one per flagged account. */
export async function startReview(ctx: AppContext, accounts: readonly ReviewedAccount[], by: { sub: string; email: string | null }, now: number): Promise<string> {
  const id = `r${now.toString(36)}`;
  const flagged = accounts.filter((account) => account.unused);
  const actor = { sub: by.sub, ...(by.email ? { email: by.email } : {}) };
  for (const account of flagged) {
    await ctx.audit.record({
      type: 'admin.action',
      result: 'success',
      ...actor,
      at: now,
      detail: { app: 'access-review', action: 'review.flagged', review: id, target: account.user.id, targetEmail: account.user.email || account.user.login, idleDays: account.idleDays },
    });
  }
  // Written last, so a review that is listed has all of its flagged accounts recorded.
  await ctx.audit.record({
    type: 'admin.action',
    result: 'success',
    ...actor,
    at: now,
    detail: { app: 'access-review', action: 'review.started', review: id, accounts: accounts.length, flagged: flagged.length, unusedAfterDays: UNUSED_AFTER_DAYS },
  });
  return id;
}

/** The reviews in the audit log, newest first. */
export async function listReviews(ctx: AppContext): Promise<Review[]> {
  const events = (await ctx.audit.query({ type: 'admin.action', limit: AUDIT_WINDOW })).filter((event) => event.detail?.['app'] === 'access-review');
  const flaggedOf = (id: string) => events
    .filter((event) => event.detail?.['action'] === 'review.flagged' && event.detail?.['review'] === id)
    .map((event) => ({ sub: String(event.detail?.['target'] ?? ''), email: String(event.detail?.['targetEmail'] ?? ''), idleDays: numberOrNull(event.detail?.['idleDays']) }));
  return events
    .filter((event): event is StoredAuditEvent & { detail: Record<string, string | number | boolean | null> } => event.detail?.['action'] === 'review.started')
    .map((event) => ({
      id: String(event.detail['review']),
      startedAt: new Date(event.at),
      startedBy: event.email ?? event.sub ?? 'unknown',
      accounts: numberOrNull(event.detail['accounts']) ?? 0,
      flagged: flaggedOf(String(event.detail['review'])),
    }));
}

function numberOrNull(value: unknown): number | null {
  return typeof value === 'number' ? value : null;
}
