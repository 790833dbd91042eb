/**
 * Prometheus gauges of the live hub, read when `/metrics` is scraped: open `GET /live` streams
 * on this instance, and how many of them have a reader that is behind.
 */
import { Gauge, type Registry } from 'prom-client';
import type { LiveHub } from './hub.ts';

/** Registers the live gauges on the app's registry. */
export function registerLiveMetrics(registry: Registry, hub: LiveHub): void {
  new Gauge({
    name: 'gatehouse_live_streams',
    help: 'Open GET /live streams (pages receiving live updates) on this instance.',
    registers: [registry],
    collect() {
      this.set(hub.stats().streams);
    },
  });
  new Gauge({
    name: 'gatehouse_live_streams_backed_up',
    help: 'Open GET /live streams whose reader is not keeping up (events are being dropped for them).',
    registers: [registry],
    collect() {
      this.set(hub.stats().backedUp);
    },
  });
}
