/**
 * The reference every HTTP figure is compared with: a bare Hono "hello" on `@hono/node-server`,
 * the same Hono, adapter and Node as the dashboard, in its own process on a free loopback port.
 * What Gatehouse's `/healthz` adds on top of it is the cost of its middleware.
 */
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { serveCalls } from './child.ts';

const app = new Hono().get('/', (c) => c.text('hello'));
const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
await new Promise<void>((resolve) => server.once('listening', () => resolve()));
const address = server.address();
const port = typeof address === 'object' && address ? address.port : 0;

serveCalls({ url: `http://127.0.0.1:${port}` }, {}, () => new Promise<void>((resolve) => server.close(() => resolve())));
