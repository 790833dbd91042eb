/**
 * Small building blocks shared by pages: headings, stat tiles, badges, notices, time formatting.
 */
import type { Child, FC } from 'hono/jsx';

/** "2026-11-27 07:10 UTC": unambiguous for a team spread across time zones. */
export function formatTime(value: number | Date | null | undefined): string {
  if (value === null || value === undefined) return '—';
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime())) return '—';
  return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** "5 min ago" / "in 3 h", for session tables. */
export function formatRelative(value: number, now = Date.now()): string {
  const seconds = Math.round((value - now) / 1000);
  const abs = Math.abs(seconds);
  if (abs < 10) return 'just now';
  const [amount, unit] = abs < 60 ? [abs, 's'] : abs < 3600 ? [Math.round(abs / 60), 'min'] : abs < 86400 ? [Math.round(abs / 3600), 'h'] : [Math.round(abs / 86400), 'd'];
  return seconds < 0 ? `${amount} ${unit} ago` : `in ${amount} ${unit}`;
}

/** The page's `<h1>` and lead; `id` names the heading for a section's `aria-labelledby`. */
export const PageHeader: FC<{ title: string; lead?: string; id?: string; children?: Child }> = ({ title, lead, id, children }) => (
  <div class="card__header">
    <div>
      <h1 class="page-title" id={id}>{title}</h1>
      {lead && <p class="page-lead">{lead}</p>}
    </div>
    {children}
  </div>
);

/** A labelled number tile. */
export const Stat: FC<{ label: string; value: string | number }> = ({ label, value }) => (
  <div class="stat">
    <p class="stat__label">{label}</p>
    <p class="stat__value">{String(value)}</p>
  </div>
);

/** "Success" / "Failure" badge for an audit result. */
export const ResultBadge: FC<{ result: 'success' | 'failure' }> = ({ result }) => (
  <span class={`badge badge--${result}`}>{result === 'success' ? 'Success' : 'Failure'}</span>
);

/** Tone of a {@link Notice}. */
export type NoticeKind = 'success' | 'error' | 'warning';

/** A message box; `error` is announced at once (`role="alert"`), the others politely (`role="status"`). */
export const Notice: FC<{ kind: NoticeKind; children?: Child }> = ({ kind, children }) => (
  <div class={`notice notice--${kind}`} role={kind === 'error' ? 'alert' : 'status'}>
    <p>{children}</p>
  </div>
);

/** Flash messages travel in the query string as fixed codes (never free text from the URL). */
export const FLASH_MESSAGES = {
  'session-revoked': ['success', 'The session was revoked. That browser must sign in again.'],
  'user-sessions-revoked': ['success', 'All of the user\'s sessions were revoked.'],
  'user-created': ['success', 'The user was created in Okta and added to the chosen groups.'],
  'group-added': ['success', 'The user was added to the group.'],
  'group-removed': ['success', 'The user was removed from the group.'],
  'user-deactivated': ['success', 'The user was deactivated in Okta and their Gatehouse sessions were revoked.'],
  'user-suspended': ['success', 'The user was suspended in Okta and their Gatehouse sessions were revoked.'],
  'session-not-found': ['warning', 'That session no longer exists (it may have expired or been revoked already).'],
} as const satisfies Record<string, readonly [NoticeKind, string]>;

/** A `?done=` code {@link Flash} knows. */
export type FlashCode = keyof typeof FLASH_MESSAGES;

/** The notice for a `?done=` code, or nothing for unknown codes. */
export const Flash: FC<{ code: string | undefined }> = ({ code }) => {
  if (!code || !Object.hasOwn(FLASH_MESSAGES, code)) return null;
  const [kind, message] = FLASH_MESSAGES[code as FlashCode];
  return <Notice kind={kind}>{message}</Notice>;
};

/** A column heading of {@link DataTable}: its label, or the label and a class (`num` right-aligns figures). */
export type Column = string | { label: string; class: string };

/** The pages' one table shape: a scrolling wrapper, a header row of `columns`, the rows given as children. */
export const DataTable: FC<{ columns: readonly Column[]; children?: Child }> = ({ columns, children }) => (
  <div class="table-wrap">
    <table>
      <thead>
        <tr>
          {columns.map((column) => (typeof column === 'string' ? <th scope="col">{column}</th> : <th scope="col" class={column.class}>{column.label}</th>))}
        </tr>
      </thead>
      <tbody>{children}</tbody>
    </table>
  </div>
);
