import type { Hono } from 'hono';
import { z } from 'zod';
import type { Directory } from '../directory/directory.ts';
import { EVENT_HOOK_EVENT_TYPES } from '../directory/events.ts';
import type { CreateEventHookInput } from '../directory/event-hook-registry.ts';
import type { EventHook } from '../directory/types.ts';
import { HEADER_VALUE } from '../hooks/request.ts';
import { verifyEventHookEndpoint } from '../hooks/verify.ts';
import { requireScope, type ManagementEnv } from './auth.ts';
import { readJson } from './body.ts';
import { notFound, OktaApiError } from './errors.ts';
import { oktaEventHook } from './serialize.ts';

const ELIGIBLE_EVENTS = new Set(EVENT_HOOK_EVENT_TYPES);
const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

const hookUri = z.url().refine((value) => {
  // zod runs refinements even after z.url() failed: parse without throwing.
  const url = URL.parse(value);
  if (!url) return false;
  // Okta demands HTTPS; the emulator also allows plain HTTP to this machine, for local receivers.
  return url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK.has(url.hostname));
}, 'The URI must use HTTPS (plain HTTP is accepted for localhost only)');
const headerValue = z.string().max(4096).regex(HEADER_VALUE, 'must be an HTTP header value without control characters');
const header = z.object({ key: z.string().min(1).regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, 'must be an HTTP header name'), value: headerValue });

const createBody = z.looseObject({
  name: z.string().trim().min(1, 'The field cannot be left blank').max(255),
  events: z.looseObject({
    type: z.literal('EVENT_TYPE'),
    items: z
      .array(z.string().refine((type) => ELIGIBLE_EVENTS.has(type), { error: (issue) => `${String(issue.input)} is not eligible for event hooks in this emulator` }))
      .min(1, 'Subscribe to at least one event type'),
  }),
  channel: z.looseObject({
    type: z.literal('HTTP'),
    version: z.string(),
    config: z.looseObject({
      uri: hookUri,
      headers: z.array(header).nullable().optional(),
      authScheme: z.object({ type: z.literal('HEADER'), key: header.shape.key, value: headerValue }).nullable().optional(),
    }),
  }),
});

function hookInput(body: z.infer<typeof createBody>): CreateEventHookInput {
  return {
    name: body.name,
    events: [...new Set(body.events.items)],
    url: body.channel.config.uri,
    headers: body.channel.config.headers ?? [],
    authScheme: body.channel.config.authScheme ?? null,
  };
}

/** Event hooks: list, create, replace, get, delete, verify, activate, deactivate. */
export function eventHookRoutes(app: Hono<ManagementEnv>, directory: Directory, orgUrl: string, options: { fetch?: typeof fetch; allowedHosts?: string[] }): void {
  const requireHook = (id: string): EventHook => {
    const hook = directory.eventHooks.get(id);
    if (!hook) throw notFound(id, 'EventHook');
    return hook;
  };

  app.get('/api/v1/eventHooks', (c) => {
    requireScope(c, 'okta.eventHooks.read');
    return c.json(directory.eventHooks.list().map((hook) => oktaEventHook(hook, orgUrl)));
  });

  app.post('/api/v1/eventHooks', async (c) => {
    requireScope(c, 'okta.eventHooks.manage');
    const body = await readJson(c, createBody);
    return c.json(oktaEventHook(directory.eventHooks.create(hookInput(body)), orgUrl));
  });

  app.put('/api/v1/eventHooks/:id', async (c) => {
    requireScope(c, 'okta.eventHooks.manage');
    const hook = requireHook(c.req.param('id'));
    const body = await readJson(c, createBody);
    return c.json(oktaEventHook(directory.eventHooks.replace(hook.id, hookInput(body)), orgUrl));
  });

  app.get('/api/v1/eventHooks/:id', (c) => {
    requireScope(c, 'okta.eventHooks.read');
    return c.json(oktaEventHook(requireHook(c.req.param('id')), orgUrl));
  });

  app.delete('/api/v1/eventHooks/:id', (c) => {
    requireScope(c, 'okta.eventHooks.manage');
    const hook = requireHook(c.req.param('id'));
    if (hook.status === 'ACTIVE') {
      throw new OktaApiError(400, 'E0000001', 'Api validation failed: status', {
        causes: ['status: Deactivate the event hook before deleting it.'],
      });
    }
    directory.eventHooks.delete(hook.id);
    return c.body(null, 204);
  });

  app.post('/api/v1/eventHooks/:id/lifecycle/:action', async (c) => {
    requireScope(c, 'okta.eventHooks.manage');
    const hook = requireHook(c.req.param('id'));
    const action = c.req.param('action');
    if (action === 'activate' || action === 'deactivate') {
      const updated = directory.eventHooks.update(hook.id, { status: action === 'activate' ? 'ACTIVE' : 'INACTIVE' });
      return c.json(oktaEventHook(updated, orgUrl));
    }
    if (action !== 'verify') throw notFound(action, 'LifecycleOperation');
    const result = await verifyEventHookEndpoint(hook, options);
    if (!result.verified) {
      throw new OktaApiError(400, 'E0000001', 'Api validation failed: verification', {
        causes: [`Event hook verification failed: ${result.reason}.`],
      });
    }
    return c.json(oktaEventHook(directory.eventHooks.update(hook.id, { verificationStatus: 'VERIFIED' }), orgUrl));
  });
}
