import type { GatehouseConfig } from './types.ts';

const REDACTED = '[redacted]';

/** Hides the password of a connection URL, keeping what an operator needs to see (scheme, host, db). */
function redactUrl(value: string | null): string | null {
  // A SQLite file path holds no credentials.
  if (value === null || value.startsWith('file:')) return value;
  const url = URL.parse(value);
  if (!url) return REDACTED;
  if (!url.username && !url.password) return value;
  if (url.password) url.password = 'redacted';
  return url.href.replace(':redacted@', `:${REDACTED}@`);
}

/**
 * A printable copy of the config with every secret replaced by `'[redacted]'` (client secret, API
 * token, management key, session secrets, connection-URL passwords). Use it for start-up logs and
 * diagnostics pages; never print the config itself.
 */
export function redactConfig(config: GatehouseConfig): Record<string, unknown> {
  return {
    ...config,
    okta: {
      ...config.okta,
      scopes: [...config.okta.scopes],
      clientSecret: REDACTED,
      apiToken: config.okta.apiToken === null ? null : REDACTED,
      managementPrivateKey: config.okta.managementPrivateKey === null ? null : REDACTED,
    },
    session: { ...config.session, secrets: config.session.secrets.map(() => REDACTED) },
    databaseUrl: redactUrl(config.databaseUrl),
    databaseReadUrl: redactUrl(config.databaseReadUrl),
    redisUrl: redactUrl(config.redisUrl),
    metrics: { ...config.metrics, token: config.metrics.token === null ? null : REDACTED },
    roles: { admin: [...config.roles.admin], viewer: [...config.roles.viewer] },
    lifecycle: { ...config.lifecycle, eventHookSecret: config.lifecycle.eventHookSecret === null ? null : REDACTED },
  };
}
