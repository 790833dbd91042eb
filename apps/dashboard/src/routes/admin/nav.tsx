/** Secondary navigation of the admin area (the header's "Admin" item opens the overview). */
import type { FC } from 'hono/jsx';

const ITEMS = [
  ['/admin', 'Overview'],
  ['/admin/sessions', 'Sessions'],
  ['/admin/users', 'Users'],
  ['/admin/audit', 'Audit log'],
  ['/admin/health', 'Sign-in health'],
  ['/admin/roles', 'Roles'],
] as const;

/** The admin sub-navigation; `current` marks the open page. */
export const AdminNav: FC<{ current: string }> = ({ current }) => {
  return (
    <nav class="site-nav card" aria-label="Admin">
      <ul>
        {ITEMS.map(([href, label]) => <li><a href={href} aria-current={href === current ? 'page' : undefined}>{label}</a></li>)}
      </ul>
    </nav>
  );
};
