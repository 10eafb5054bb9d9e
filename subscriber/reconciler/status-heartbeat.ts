import type { MeshClient } from '../../broker/client.js';
import type { Logger } from '../../core/logger.js';
import type { Registry } from '../registry/registry.js';
import type { HostStatus } from './host-status.js';

/** How often the load is looked at, and how old a published status may grow before it is refreshed. */
const CHECK_MS = 1000;
const REFRESH_MS = 30_000;

export interface HeartbeatDeps {
  client: MeshClient;
  status: HostStatus;
  log: Logger;
  reg: Registry;
  host: string;
  /** sessions.maxConcurrent (0: no limit) */
  max: number;
}

/**
 * Keeps the host's retained `online` status current: published at each connect, again as soon as
 * its capacity changes, and at least every 30 s, so every reader of `hosts/<host>/status` sees
 * the running/max of now and when the host was last seen (`mam hosts`, `--host auto`).
 */
export function startStatusHeartbeat(d: HeartbeatDeps) {
  let since = Date.now();
  let last: { at: number; load: string } | undefined;
  let stopped = false;
  function publish(force: boolean): Promise<void> {
    if (stopped || !d.client.mqtt.connected) return Promise.resolve();
    // The sessions holding a slot: a query of a few rows.
    const load = { running: d.reg.sessionCounts(d.host).total, max: d.max };
    const key = `${load.running}/${load.max}`;
    if (!force && last && last.load === key && Date.now() - last.at < REFRESH_MS) return Promise.resolve();
    last = { at: Date.now(), load: key };
    return d.client
      .publish(d.status.topic, d.status.seal('online', since, load), { qos: 1, retain: true })
      .catch((err) => d.log.warn('status publish failed', err));
  }
  const timer = setInterval(() => {
    try {
      void publish(false);
    } catch (err) {
      d.log.warn('status refresh failed', err);
    }
  }, CHECK_MS);
  timer.unref();
  return {
    /** At each connect: online from now. */
    connected(): Promise<void> {
      since = Date.now();
      return publish(true);
    },
    /** Stops refreshing; the reconciler then publishes offline itself (or its will does). */
    stop(): void {
      stopped = true;
      clearInterval(timer);
    },
  };
}
