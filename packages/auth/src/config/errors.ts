/** One problem with the configuration: the variable at fault and a sentence that says how to fix it. */
export interface ConfigIssue {
  /** Environment variable name (`OKTA_ISSUER`, `SESSION_SECRET_FILE`, …). */
  field: string;
  /** A full sentence naming the field and the fix; never contains a secret value. */
  message: string;
}

/**
 * Thrown at start-up when the environment does not describe a usable Gatehouse. The message lists
 * every problem found, one per line, so an operator fixes them in one go.
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly issues: ConfigIssue[];

  constructor(issues: ConfigIssue[], options?: { cause?: unknown }) {
    const lines = issues.map((issue) => `  - ${issue.message}`);
    super(`Invalid Gatehouse configuration (${issues.length} problem${issues.length === 1 ? '' : 's'}):\n${lines.join('\n')}`, options);
    this.issues = issues;
  }
}
