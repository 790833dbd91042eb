/** Secondary navigation of the admin area (the header's "Admin" item opens the overview). */
import type { FC } from 'hono/jsx';
import type { GatehouseConfig } from '../../app-context.ts';
import { Notice } from '../../views/components.tsx';

const ITEMS = [
  ['/admin', 'Overview'],
  ['/admin/sessions', 'Sessions'],
  ['/admin/users', 'Users'],
  ['/admin/audit', 'Audit log'],
  ['/admin/health', 'Sign-in health'],
  ['/admin/roles', 'Roles'],
  ['/admin/setup', 'Set-up check'],
] as const;

/** The warning every admin page shows while the STEP_UP_MFA=if-enrolled opt-out is set. */
export const StepUpOptOutWarning: FC<{ config?: GatehouseConfig }> = ({ config }) =>
  config?.stepUp.mfa === 'if-enrolled' ? (
    <Notice kind="warning">
      STEP_UP_MFA=if-enrolled is set: an admin without a second factor can deactivate users, change groups and end
      sessions on a password alone. Enroll every admin in MFA and unset STEP_UP_MFA.
    </Notice>
  ) : null;

/** The admin sub-navigation; `current` marks the open page; `config` shows the step-up opt-out warning when set. */
export const AdminNav: FC<{ current: string; config?: GatehouseConfig }> = ({ current, config }) => {
  return (
    <>
      <nav class="site-nav card" aria-label="Admin">
        <ul>
          {ITEMS.map(([href, label]) => <li><a href={href} aria-current={href === current ? 'page' : undefined}>{label}</a></li>)}
        </ul>
      </nav>
      <StepUpOptOutWarning config={config} />
    </>
  );
};
