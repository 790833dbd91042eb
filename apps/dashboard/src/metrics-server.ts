/**
 * `/metrics` on its own listener (METRICS_PORT, default 9464), off the public port: the Ingress
 * routes the app port, and Prometheus scrapes this one through the Service only.
 */
import { serve, type ServerType } from '@hono/node-server';
import { Hono } from 'hono';
import type { AppMetrics } from './observability/metrics.ts';

/** A listening metrics server. */
export interface MetricsServer {
  /** e.g. `http://localhost:9464/metrics`. */
  url: string;
  close(): Promise<void>;
}

/** The metrics app: `GET /metrics` (Prometheus text), everything else 404. */
export function metricsApp(metrics: AppMetrics): Hono {
  const app = new Hono();
  app.get('/metrics', async (c) => c.body(await metrics.registry.metrics(), 200, { 'Content-Type': metrics.registry.contentType, 'Cache-Control': 'no-store' }));
  app.notFound((c) => c.text('Not found', 404));
  return app;
}

/** Starts the metrics listener on `port` (`0`: a free port); resolves once it listens. */
export function startMetricsServer(metrics: AppMetrics, port: number, hostname?: string): Promise<MetricsServer> {
  const app = metricsApp(metrics);
  return new Promise((resolve, reject) => {
    const server: ServerType = serve({ fetch: app.fetch, port, ...(hostname ? { hostname } : {}) }, (info) => {
      let closing: Promise<void> | undefined;
      resolve({
        url: `http://localhost:${info.port}/metrics`,
        close() {
          closing ??= new Promise<void>((done) => {
            server.close(() => done());
            (server as { closeAllConnections?: () => void }).closeAllConnections?.();
          });
          return closing;
        },
      });
    });
    server.once('error', reject);
  });
}
