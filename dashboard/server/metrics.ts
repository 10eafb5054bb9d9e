import { Counter, Gauge, Registry as PromRegistry, collectDefaultMetrics } from 'prom-client';
import type { Registry } from '../../subscriber/registry/registry.js';
import { JOB_STATES } from '../../subscriber/state-machine.js';
import { registerDaemonMetrics } from './daemon-metrics.js';

/**
 * /metrics, computed from the SQLite registry at each scrape: the registry is what the reconciler
 * committed, so a count here is a fact of the record, the same from any process that reads it
 * (and it survives restarts). Counters are set to the registry's totals, which only grow, except
 * when `mam gc` prunes old events or refusals.
 */
export function createMetrics(reg: () => Registry, sseClients: () => number, runDir: string) {
  const registry = new PromRegistry();
  registerDaemonMetrics(registry, runDir);
  collectDefaultMetrics({ register: registry, prefix: 'mam_dashboard_' });
  const setCounter = (c: Counter<string>, rows: Array<[Record<string, string>, number]>) => {
    c.reset();
    for (const [labels, n] of rows) c.inc(labels, n);
  };
  new Counter({
    name: 'mam_events_committed_total',
    help: 'verified events committed to the registry, by type; applied="false" for those recorded but not applied',
    labelNames: ['type', 'applied'],
    registers: [registry],
    collect() {
      setCounter(
        this,
        reg()
          .eventTypeCounts()
          .map((r) => [{ type: r.type, applied: String(r.applied === 1) }, r.n]),
      );
    },
  });
  new Counter({
    name: 'mam_events_rejected_total',
    help: 'messages the reconciler refused, by reason',
    labelNames: ['reason'],
    registers: [registry],
    collect() {
      setCounter(
        this,
        reg()
          .countRejections()
          .map((r) => [{ reason: r.reason }, r.n]),
      );
    },
  });
  new Gauge({
    name: 'mam_jobs',
    help: 'jobs in the registry by state',
    labelNames: ['state'],
    registers: [registry],
    collect() {
      const counts = reg().jobCounts();
      for (const s of JOB_STATES) this.set({ state: s }, counts[s] ?? 0);
    },
  });
  new Gauge({
    name: 'mam_queue_length',
    help: 'jobs waiting to launch (queued or retrying)',
    registers: [registry],
    collect() {
      const c = reg().jobCounts();
      this.set((c.queued ?? 0) + (c.retrying ?? 0));
    },
  });
  const sessions = (which: 'started' | 'ended') =>
    new Counter({
      name: which === 'started' ? 'mam_session_launches_total' : 'mam_session_terminations_total',
      help: which === 'started' ? 'agent sessions launched' : 'agent sessions ended',
      registers: [registry],
      collect() {
        setCounter(this, [[{}, reg().sessionTotals()[which]]]);
      },
    });
  sessions('started');
  sessions('ended');
  new Counter({
    name: 'mam_gate_runs_total',
    help: 'finished quality-gate runs by result',
    labelNames: ['result'],
    registers: [registry],
    collect() {
      setCounter(
        this,
        reg()
          .gateResultCounts()
          .map((r) => [{ result: r.result }, r.n]),
      );
    },
  });
  new Gauge({
    name: 'mam_dashboard_live_clients',
    help: 'browsers following the live stream',
    registers: [registry],
    collect() {
      this.set(sseClients());
    },
  });
  return registry;
}
