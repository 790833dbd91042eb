/**
 * One dashboard instance as its own process, for `bench/live.ts`: listens on a free loopback
 * port, makes `SESSIONS` real sessions through its session manager, and tells the parent (IPC)
 * the URL, the cookies and its process id, so the parent can read this process's RSS alone.
 * Configuration comes from the environment the parent sets.
 */
import { serve } from '@hono/node-server';
import { getHeapSpaceStatistics } from 'node:v8';
import pino from 'pino';
import { loadConfig } from '../packages/auth/src/config/index.ts';
import { openStores } from '../packages/auth/src/stores/factory.ts';
import { assembleApp } from '../apps/dashboard/src/assembly.ts';

const count = Number(process.env.BENCH_SESSIONS ?? '0');
const config = loadConfig(process.env, { envFile: false });
const stores = await openStores(config);
const { app, deps } = await assembleApp(config, stores, { logger: pino({ level: 'silent' }), directory: null });
const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
await new Promise<void>((resolve) => server.once('listening', () => resolve()));
const address = server.address();
const port = typeof address === 'object' && address ? address.port : 0;

const cookies: string[] = [];
const ids: string[] = [];
for (let i = 0; i < count; i++) {
  const { token, session } = await deps.auth.sessions.create({
    user: { sub: `00ubench${String(i).padStart(12, '0')}`, email: `bench${i}@gatehouse.test`, name: `Bench ${i}`, groups: ['viewer'] },
    roles: ['viewer'],
    claims: { auth_time: Math.floor(Date.now() / 1000) },
    tokens: { idToken: 'bench-id-token', accessToken: 'bench-access-token', refreshToken: null },
    accessTokenExpiresAt: Date.now() + 3_600_000,
    userAgent: 'bench',
    ip: '127.0.0.1',
  });
  cookies.push(`${config.session.cookieName}=${token}`);
  ids.push(session.id);
}

process.send!({ type: 'ready', url: `http://127.0.0.1:${port}`, cookies, ids, pid: process.pid });
process.on('message', (message: { type: string; id?: string }) => {
  if (message.type === 'revoke' && message.id) {
    // Wall-clock ms with sub-ms precision, comparable across processes on this machine.
    const at = performance.timeOrigin + performance.now();
    void deps.auth.sessions.revoke(message.id, { reason: 'revoked_by_admin' }).then(() => process.send!({ type: 'revoked', id: message.id, at }));
  } else if (message.type === 'stats') {
    // Collected first, so heapUsed is what the streams hold, not garbage awaiting a collection.
    (globalThis as { gc?: () => void }).gc?.();
    process.send!({ type: 'stats', stats: deps.live.stats(), memory: process.memoryUsage(), spaces: getHeapSpaceStatistics().map((space) => ({ name: space.space_name, size: space.space_size, used: space.space_used_size })) });
  } else if (message.type === 'stop') {
    void deps.live.closeAll().then(() => {
      server.close();
      (server as { closeAllConnections?: () => void }).closeAllConnections?.();
      return stores.close();
    }).then(() => process.exit(0));
  }
});
