/**
 * Groups overage and thin tokens: an ID token's `groups` claim may be missing (Okta's org
 * authorization server issues "thin" ID tokens) or cut at Okta's cap (at the cap the list cannot
 * be trusted to be whole). Then the groups are read through the Management API
 * (`/api/v1/users/{id}/groups`, every page); without it, or when it fails, a cut list grants no
 * role at all — roles are never computed from part of the groups.
 * @see https://developer.okta.com/docs/guides/customize-tokens-groups-claim/main/ (at most 100 groups)
 */
import type { AuthLogger } from '../audit.ts';
import type { GatehouseConfig } from '../config/schema.ts';
import { errorSummary } from '../errors.ts';
import type { Identity } from './claims.ts';
import type { RoleTable } from '../rbac.ts';
import type { UserDirectory } from '../types.ts';

/** Where an identity's groups came from; the audit reason of the sign-in or refresh when not the claim. */
export type GroupsSource = 'claim' | 'groups_from_management_api' | 'groups_claim_truncated';

/**
 * `identity` with a whole group list: as the claim gave it when the claim is present and under
 * `config.lifecycle.groupsClaimCap`, else read through `directory`. A cut list that cannot be completed
 * keeps its groups for display but grants no role.
 */
export async function completeGroups(
  identity: Identity,
  deps: { config: GatehouseConfig; directory?: UserDirectory | null; logger: AuthLogger; rbac: Pick<RoleTable, 'resolve'> },
): Promise<{ identity: Identity; source: GroupsSource }> {
  const truncated = identity.groupsProblem === null && identity.user.groups.length >= deps.config.lifecycle.groupsClaimCap;
  const missing = identity.groupsProblem === 'groups_claim_missing';
  if (!truncated && !missing) return { identity, source: 'claim' };
  if (deps.directory) {
    try {
      const { roles, groups } = deps.rbac.resolve(await deps.directory.userGroups(identity.user.sub));
      return { identity: { ...identity, user: { ...identity.user, groups }, roles, groupsProblem: null }, source: 'groups_from_management_api' };
    } catch (err) {
      deps.logger.warn({ step: 'groups', ...errorSummary(err) }, 'groups not readable through the Management API');
    }
  }
  if (missing) return { identity, source: 'claim' };
  return { identity: { ...identity, roles: [] }, source: 'groups_claim_truncated' };
}
