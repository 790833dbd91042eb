/**
 * `@gatehouse/auth/config`: the project-wide configuration, one zod schema over the environment
 * parsed once at start-up into a frozen, typed object. Every app in the workspace imports it.
 * The only entry point that loads it (Node: `process.env`, `.env`, `NAME_FILE` secrets); the
 * Web-only core takes the parsed config and never reads the environment itself.
 * @see ARCHITECTURE.md "Configuration" (the public contract of variables)
 */
export { ConfigError, type ConfigIssue } from './errors.ts';
export { CONFIG_VARIABLES, EMULATOR_DEFAULTS, SECRET_VARIABLES, idpKindOf, parseConfig, type GatehouseConfig, type IdpKind, type ParseConfigOptions } from './schema.ts';
export { loadConfig, type LoadConfigOptions } from './load.ts';
export { redactConfig } from './redact.ts';
export { isLoopbackHost } from './net.ts';
