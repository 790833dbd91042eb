/**
 * What the doctor reports: one {@link Finding} per check, each ok, warning, problem or skipped,
 * with what was found and, for warnings and problems, the fix in the Okta Admin Console's words.
 */
import type { GatehouseConfig } from '@gatehouse/auth/config';

/** `problem` fails `npm run doctor` (exit 1); `skipped` means the check could not apply (said why). */
export type CheckStatus = 'ok' | 'warning' | 'problem' | 'skipped';

/** The outcome of one check. Never holds a secret, a token or a stack trace. */
export interface Finding {
  /** Stable id, e.g. `idp.discovery`; documented in docs/doctor.md. */
  id: string;
  /** Short name shown before the outcome. */
  title: string;
  status: CheckStatus;
  /** What was found, in one sentence. */
  found: string;
  /** How to fix it (problems and warnings): Admin Console menu path, field and value, or the variable. */
  fix?: string;
}

/** The whole run. */
export interface DoctorReport {
  findings: Finding[];
  problems: number;
  warnings: number;
  /** ISO 8601 time the run started. */
  startedAt: string;
}

/** Options of {@link runDoctor}. */
export interface DoctorOptions {
  /** The fetch every request goes through (default: global fetch). */
  fetch?: typeof fetch;
  /** The local clock, in ms (default `Date.now`): compared with the IdP's `Date` header. */
  now?: () => number;
  /** `--user <login>`: which role this Okta user would get. */
  user?: string;
  /** `--url <deployed url>`: checks that need the running app (redirect URI it sends, Universal Logout endpoint). */
  url?: string;
  /**
   * Checks the session store and audit log; default: opens the configured stores, counts the
   * sessions and closes them. The admin page passes its own open stores.
   */
  probeStore?: () => Promise<string>;
  /** Run only the checks with these ids (default: all). */
  only?: readonly string[];
  /** Per-request timeout in ms (default 10 000). */
  timeoutMs?: number;
}

/** A check: one function producing one or more findings; it may throw {@link Unavailable}. */
export interface Check {
  id: string;
  title: string;
  run(ctx: import('./context.ts').DoctorContext): Promise<Omit<Finding, 'id' | 'title'> | Array<Finding>>;
}

/**
 * Thrown by a lookup a check depends on when it cannot be had (IdP unreachable, Management API
 * not configured or refusing): the check reports it with this status instead of guessing.
 */
export class Unavailable extends Error {
  override readonly name = 'Unavailable';
  readonly status: CheckStatus;
  readonly fix: string | undefined;
  /** `idp` when the identity provider itself could not be discovered: reported once, by the discovery check. */
  readonly source: 'idp' | undefined;

  constructor(status: CheckStatus, found: string, fix?: string, source?: 'idp') {
    super(found);
    this.status = status;
    this.fix = fix;
    this.source = source;
  }
}

export type { GatehouseConfig };
