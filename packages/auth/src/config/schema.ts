/**
 * The one schema over Gatehouse's environment (see ARCHITECTURE.md "Configuration"). Pure: it
 * takes an already-resolved variable map (`.env` merged, `NAME_FILE` read — see `load.ts`) and
 * returns the typed, frozen config or throws a {@link ConfigError} naming every bad field.
 * The fields are `environment.ts`, the config's shape `types.ts`, its building and cross-field
 * rules `build.ts`.
 */
import { ConfigError, type ConfigIssue } from './errors.ts';
import { buildConfig } from './build.ts';
import { appRoleGroups, environmentSchema } from './environment.ts';
import { redactConfig } from './redact.ts';
import type { GatehouseConfig, ParseConfigOptions } from './types.ts';

export type { GatehouseConfig, IdpKind, ParseConfigOptions } from './types.ts';
export {
  APP_ROLE_VARIABLE,
  CONFIG_VARIABLES,
  DEFAULT_SCOPES,
  EMULATOR_DEFAULTS,
  idpKindOf,
  MIN_SECRET_DISTINCT_CHARACTERS,
  MIN_SECRET_LENGTH,
  SECRET_VARIABLES,
} from './environment.ts';

/**
 * Validates a resolved variable map and builds the config. Throws {@link ConfigError} listing every
 * problem (field-level problems first; cross-field rules once the fields parse).
 */
export function parseConfig(env: Record<string, string | undefined>, options: ParseConfigOptions = {}): GatehouseConfig {
  const result = environmentSchema
    .transform((fields, ctx) => {
      const issues: ConfigIssue[] = [];
      const config = { ...buildConfig(fields, options, issues), appRoleGroups: appRoleGroups(env, issues) };
      for (const issue of issues) ctx.addIssue({ code: 'custom', message: issue.message, path: [issue.field] });
      return config;
    })
    .safeParse(env);
  if (!result.success) {
    throw new ConfigError(result.error.issues.map((issue) => ({ field: String(issue.path[0] ?? 'environment'), message: issue.message })));
  }
  const config = result.data;
  // Printing the config by mistake (console.log, JSON.stringify, a log line) shows it redacted.
  const redacted = () => redactConfig(config);
  Object.defineProperty(config, 'toJSON', { value: redacted, enumerable: false });
  Object.defineProperty(config, Symbol.for('nodejs.util.inspect.custom'), { value: redacted, enumerable: false });
  return deepFreeze(config);
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
