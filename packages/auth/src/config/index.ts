/**
 * `@gatehouse/auth/config`: the project-wide configuration, one zod schema over the environment
 * parsed once at start-up into a frozen, typed object. Every app in the workspace imports it.
 * @see ARCHITECTURE.md "Configuration" (the public contract of variables)
 */
export { ConfigError, type ConfigIssue } from './errors.ts';
export { CONFIG_VARIABLES, EMULATOR_DEFAULTS, SECRET_VARIABLES, idpKindOf, parseConfig, type GatehouseConfig, type IdpKind, type ParseConfigOptions } from './schema.ts';
export { getConfig, loadConfig, type LoadConfigOptions } from './load.ts';
export { redactConfig } from './redact.ts';
export { isLoopbackHost } from './net.ts';
