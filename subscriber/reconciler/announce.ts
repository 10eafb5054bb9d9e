import { performance } from 'node:perf_hooks';
import type { Logger } from '../../core/logger.js';
import type { Registry } from '../registry/registry.js';
import type { StatePublisher } from '../state-publisher.js';

export interface AnnounceDeps {
  reg: Registry;
  states: StatePublisher;
  log: Logger;
  /** resolves once connected */
  ready: Promise<void>;
  /** events.maxAgeSeconds: how long ago a job may have ended and still be reached by a resume */
  maxAgeSeconds: number;
  /** whether the broker kept this reconciler's session at the last connect (it then kept its retained messages too) */
  sessionPresent(): boolean;
  /** true once the reconciler is closing or its registry is lost: the announcement stops */
  closed(): boolean;
  sweepNow(): Promise<void>;
  stats: { announces: number; announced: number };
}

/**
 * A restarted broker may have lost its retained messages (the embedded one keeps them in
 * memory), and with them the generation an operator's `mam emit` learns from a job's state.
 * Live jobs get their snapshot again at each connect; jobs ended within `events.maxAgeSeconds`
 * (which a resume can still reach) only when the broker did not keep this reconciler's session,
 * i.e. lost its state: the cost of a reconnect follows the live work, not the registry's size.
 */
export function createAnnouncer(d: AnnounceDeps) {
  return async function republishStates(): Promise<void> {
    await d.ready;
    await d.reg.synced();
    const ended = !d.sessionPresent();
    const t0 = performance.now();
    const o = { since: Date.now() - d.maxAgeSeconds * 1000, stop: d.closed };
    let n = await d.states.announce('live', o);
    if (ended) {
      // The live jobs' drift (sessions lost while the host was down) before the bulk of ended jobs.
      await d.sweepNow();
      n += await d.states.announce('ended', o);
    }
    d.stats.announced = n;
    d.stats.announces++;
    if (n) d.log.info('job states announced', { jobs: n, endedToo: ended, ms: Math.round(performance.now() - t0) });
  };
}
