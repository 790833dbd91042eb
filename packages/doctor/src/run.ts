/**
 * Runs every check against one configuration and collects one finding per check, in a fixed
 * order. Lookups are shared (each Okta object is fetched once); a check that cannot run says
 * why; nothing here throws, and nothing is ever written to Okta.
 */
import type { GatehouseConfig } from '@gatehouse/auth/config';
import { appChecks } from './checks/app.ts';
import { accessCheck, deploymentChecks, hookChecks } from './checks/deployment.ts';
import { groupChecks } from './checks/groups.ts';
import { idpChecks } from './checks/idp.ts';
import { policyChecks } from './checks/policy.ts';
import { DoctorContext } from './context.ts';
import { Unavailable, type Check, type DoctorOptions, type DoctorReport, type Finding } from './types.ts';

/** Every check, in the order they are reported. */
export const CHECKS: readonly Check[] = Object.freeze([...idpChecks, accessCheck, ...appChecks, ...groupChecks, ...policyChecks, ...hookChecks, ...deploymentChecks]);

async function runOne(check: Check, ctx: DoctorContext): Promise<Finding[]> {
  const base = { id: check.id, title: check.title };
  try {
    const result = await check.run(ctx);
    return Array.isArray(result) ? result : [{ ...base, ...result }];
  } catch (error) {
    if (error instanceof Unavailable) {
      // An undiscoverable IdP is one problem, reported by the discovery check; the rest could not run.
      if (error.source === 'idp' && check.id !== 'idp.discovery') return [{ ...base, status: 'skipped', found: 'not checked: the identity provider could not be discovered (see "Issuer and discovery")' }];
      return [{ ...base, status: error.status, found: error.message, ...(error.fix ? { fix: error.fix } : {}) }];
    }
    // A bug here, not a finding about Okta: the name only (a message could quote an answer).
    return [{ ...base, status: 'problem', found: `the check itself failed (${error instanceof Error ? error.name : 'error'}); please report it` }];
  }
}

/**
 * Checks the Okta set-up (and the app's side of it) for `config`, read-only.
 * @returns one finding per check; `problems > 0` means the set-up will fail somebody.
 */
export async function runDoctor(config: GatehouseConfig, options: DoctorOptions = {}): Promise<DoctorReport> {
  const ctx = new DoctorContext(config, options);
  const startedAt = new Date(ctx.now()).toISOString();
  const checks = options.only ? CHECKS.filter((check) => options.only?.includes(check.id)) : CHECKS;
  const findings = (await Promise.all(checks.map((check) => runOne(check, ctx)))).flat();
  return {
    findings,
    problems: findings.filter((finding) => finding.status === 'problem').length,
    warnings: findings.filter((finding) => finding.status === 'warning').length,
    startedAt,
  };
}
