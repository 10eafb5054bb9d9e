import { performance } from 'node:perf_hooks';
import type { MeshClient } from '../../broker/client.js';
import { maxEnvelopeBytes } from '../../core/config.js';
import type { Context } from '../../core/context.js';
import type { Logger } from '../../core/logger.js';
import type { Registry } from '../registry/registry.js';
import { sweepOutboxes } from '../sweep-outboxes.js';

export interface SweepDeps {
  ctx: Context;
  reg: Registry;
  client: MeshClient;
  log: Logger;
  stats: { sweeps: number; sweepMs: number[] };
  /** the hooks' extra work for each sweep (drift checks) */
  extra(): void | Promise<void>;
  /** true once the reconciler is closing or its registry is lost: no sweep starts then */
  stopped(): boolean;
}

/** Sweeps every reconciler.sweepIntervalMs, and on request: outboxes, old rejections, then the hooks' drift checks. */
export function startSweepLoop(d: SweepDeps) {
  const { cfg } = d.ctx;
  /** The sweep in progress: one at a time, and close() waits for it. */
  let sweeping: Promise<void> | undefined;
  function sweepNow(): Promise<void> {
    if (d.stopped()) return Promise.resolve();
    sweeping ??= sweepOnce().finally(() => (sweeping = undefined));
    return sweeping;
  }
  async function sweepOnce() {
    const t0 = performance.now();
    try {
      const r = await sweepOutboxes(d.ctx.ws.jobsDir, d.reg, d.client, {
        ns: cfg.namespace,
        keyring: d.ctx.keyring,
        hostOf: (job) => d.reg.getJob(job)?.host,
        maxBytes: maxEnvelopeBytes(cfg),
        graceMs: Math.max(5000, cfg.emit.ackTimeoutMs),
        maxAgeMs: cfg.events.maxAgeSeconds * 1000,
      });
      if (r.resent || r.expired || r.refused || r.setAside) d.log.info('outbox sweep', r);
      const pruned = d.reg.pruneRejections(cfg.rejections);
      if (pruned) d.log.info('rejections pruned', { pruned, ...cfg.rejections });
      await d.extra();
    } catch (err) {
      d.log.warn('sweep failed', err);
    } finally {
      d.stats.sweeps++;
      if (d.stats.sweepMs.push(Math.round(performance.now() - t0)) > 32) d.stats.sweepMs.shift();
    }
  }
  const timer = setInterval(() => void sweepNow(), cfg.reconciler.sweepIntervalMs);
  return {
    sweepNow,
    /** The sweep in progress, if any. */
    current: (): Promise<void> | undefined => sweeping,
    stop(): void {
      clearInterval(timer);
    },
  };
}
