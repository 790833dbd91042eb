/**
 * Registers Gatehouse's Event Hook with an Okta org through the Management API and has Okta verify
 * it (`npm start` does this with the bundled emulator, so hooks work with no set-up). A hook of the
 * same name left by an earlier run is replaced, so restarts do not pile up hooks.
 * @see https://developer.okta.com/docs/api/openapi/okta-management/management/tag/EventHook/
 */
import { HANDLED_EVENT_TYPES } from '@gatehouse/auth/lifecycle';

/** What {@link registerEventHook} needs. */
export interface EventHookRegistration {
  /** The org's base URL (`https://dev-1.okta.com`, or the emulator's). */
  orgUrl: string;
  /** An SSWS API token with `okta.eventHooks.manage`. */
  apiToken: string;
  /** Where Okta delivers: `APP_BASE_URL/hooks/okta`. */
  url: string;
  /** The authorization header value Okta sends (`OKTA_EVENT_HOOK_SECRET`). */
  secret: string;
  /** Event types to subscribe to (default: every type `/hooks/okta` handles). */
  events?: readonly string[];
  /** The hook's name in Okta (default `Gatehouse sessions`). */
  name?: string;
  fetch?: typeof fetch;
}

interface OktaHook {
  id: string;
  name: string;
  status: string;
  verificationStatus: string;
}

/**
 * Creates (or replaces) the hook, subscribed to every event type `/hooks/okta` handles, and
 * verifies it; resolves with the hook's id. Rejects with Okta's error summary
 * (never the secret) when a call fails.
 */
export async function registerEventHook(options: EventHookRegistration): Promise<string> {
  const doFetch = options.fetch ?? fetch;
  const name = options.name ?? 'Gatehouse sessions';
  const call = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const response = await doFetch(new URL(path, options.orgUrl), {
      method,
      headers: { authorization: `SSWS ${options.apiToken}`, accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    if (!response.ok) {
      const summary = (JSON.parse(text || '{}') as { errorSummary?: string; errorCauses?: Array<{ errorSummary?: string }> });
      const causes = (summary.errorCauses ?? []).map((cause) => cause.errorSummary).filter(Boolean).join('; ');
      throw new Error(`Okta answered ${response.status} to ${method} ${path}: ${summary.errorSummary ?? 'error'}${causes ? ` (${causes})` : ''}`);
    }
    return (text ? JSON.parse(text) : null) as T;
  };

  for (const hook of await call<OktaHook[]>('GET', '/api/v1/eventHooks')) {
    if (hook.name !== name) continue;
    if (hook.status === 'ACTIVE') await call('POST', `/api/v1/eventHooks/${hook.id}/lifecycle/deactivate`);
    await call('DELETE', `/api/v1/eventHooks/${hook.id}`);
  }
  const created = await call<OktaHook>('POST', '/api/v1/eventHooks', {
    name,
    events: { type: 'EVENT_TYPE', items: [...(options.events ?? HANDLED_EVENT_TYPES)] },
    channel: {
      type: 'HTTP',
      version: '1.0.0',
      config: { uri: options.url, headers: [], authScheme: { type: 'HEADER', key: 'Authorization', value: options.secret } },
    },
  });
  await call('POST', `/api/v1/eventHooks/${created.id}/lifecycle/verify`);
  return created.id;
}

