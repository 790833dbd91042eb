/**
 * `@gatehouse/doctor`: every way an Okta set-up goes wrong, checked read-only against the app's
 * own configuration, each problem with its fix in the Admin Console's words. Used by
 * `npm run doctor` and the admin panel's *Set-up check* page.
 * @see docs/doctor.md (every check, what it reads, what it tells you to do)
 */
export { CHECKS, runDoctor } from './run.ts';
export { formatReport } from './format.ts';
export { HOOK_EVENTS } from './checks/deployment.ts';
export { PROBE_CANARY_ADDRESS, PROBE_HEADER, PROBE_PATH, probeHeader, verifyProbeHeader, type ForwardedAnswer } from './probe.ts';
export type { CheckStatus, DoctorOptions, DoctorReport, Finding } from './types.ts';
