import { Counter, Gauge, type Registry as PromRegistry } from 'prom-client';
import { daemonStatsFile, readDaemonStats } from '../../core/daemon-stats.js';
import type { Reconciler } from '../../subscriber/reconciler/types.js';

// The counters the reconciler writes (its stats less the sweeps' recent durations).
type ReconcilerStats = Omit<Reconciler['stats'], 'sweepMs'>;

// A daemon writes its counters every 5 s: one older than three writes is taken as not running.
const FRESH_MS = 15_000;

/**
 * The broker's and the reconciler's own counters (core/daemon-stats.ts): messages received,
 * batches, time in commit transactions, connected clients. They count since the daemon started,
 * so a restart resets them, as Prometheus expects of a process's counters.
 */
export function registerDaemonMetrics(registry: PromRegistry, runDir: string): void {
  const reconciler = () => readDaemonStats<ReconcilerStats>(daemonStatsFile(runDir, 'reconciler'), FRESH_MS);
  const broker = () => readDaemonStats<{ clients: number }>(daemonStatsFile(runDir, 'broker'), FRESH_MS);
  const fromReconciler = (name: string, help: string, value: (s: ReconcilerStats) => number) =>
    new Counter({
      name,
      help: `${help} (since the reconciler started)`,
      registers: [registry],
      collect() {
        this.reset();
        const s = reconciler();
        if (s) this.inc(value(s));
      },
    });
  fromReconciler('mam_events_received_total', 'messages the reconciler received', (s) => s.received);
  fromReconciler('mam_reconciler_batches_total', 'batches the reconciler committed', (s) => s.batches);
  fromReconciler('mam_reconciler_batch_messages_total', 'messages in those batches', (s) => s.batchItems);
  fromReconciler(
    'mam_reconciler_commit_seconds_total',
    'time spent in commit transactions (÷ batches: the mean commit latency)',
    (s) => s.commitMs / 1000,
  );
  new Gauge({
    name: 'mam_broker_connections',
    help: 'clients connected to this host’s embedded broker',
    registers: [registry],
    collect() {
      const s = broker();
      if (s) this.set(s.clients);
      else this.reset();
    },
  });
  new Gauge({
    name: 'mam_daemon_up',
    help: '1 while the daemon writes its counters',
    labelNames: ['daemon'],
    registers: [registry],
    collect() {
      this.set({ daemon: 'reconciler' }, reconciler() ? 1 : 0);
      this.set({ daemon: 'broker' }, broker() ? 1 : 0);
    },
  });
}
