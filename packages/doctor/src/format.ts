/** The doctor's report as text: one line per check, the fix indented under each warning and problem. */
import type { CheckStatus, DoctorReport } from './types.ts';

const LABELS: Record<CheckStatus, string> = { ok: 'ok     ', warning: 'warning', problem: 'PROBLEM', skipped: 'skipped' };

/** The text `npm run doctor` prints. */
export function formatReport(report: DoctorReport): string {
  const lines = report.findings.map((finding) => {
    const line = `${LABELS[finding.status]}  ${finding.title}: ${finding.found}`;
    return finding.fix && (finding.status === 'problem' || finding.status === 'warning') ? `${line}\n           fix: ${finding.fix}` : line;
  });
  const verdict = report.problems > 0
    ? `${report.problems} problem${report.problems > 1 ? 's' : ''}, ${report.warnings} warning${report.warnings === 1 ? '' : 's'}: fix the problems before people sign in.`
    : `No problems${report.warnings ? `, ${report.warnings} warning${report.warnings === 1 ? '' : 's'}` : ''}.`;
  return `${lines.join('\n')}\n\n${verdict}\n`;
}
