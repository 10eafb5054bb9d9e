import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { topics } from '../core/topics.js';
import { openRegistry } from '../subscriber/registry/registry.js';
import { figure, type Benchmark, type BenchOptions, type Figure } from './benchmark.js';
import { trackCommitAcks } from './commit-acks.js';
import { closeEmitters, connectEmitters, publishPaced, publishPipelined, signedProgress, type Emitter } from './publish-load.js';
import { rawPublishSubscribe } from './raw-baseline.js';
import { closingStats, createJobs, withMesh } from './setup.js';
import { percentile, ratePerSecond } from './stats.js';

const NAME = 'reconcile-throughput';
const WINDOW = 128;
const GOAL_RATE = 20_000;
const GOAL_RATIO = 70;
const PACED_RATE = 2_000;

/** Polls the registry (read-only, as the CLI reads it) until it holds `target` events; resolves with Date.now() then. */
async function waitForEvents(db: string, target: number, deadline: number): Promise<{ at: number; count: number }> {
  const reg = openRegistry(db, { readonly: true });
  const count = reg.db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM events');
  try {
    for (;;) {
      const n = count.get()!.n;
      if (n >= target || Date.now() > deadline) return { at: Date.now(), count: n };
      await sleep(10);
    }
  } finally {
    reg.close();
  }
}

function scenario(n: number, opts: BenchOptions): Promise<Figure[]> {
  const perEmitter = Math.ceil((opts.quick ? 8_000 : 40_000) / n);
  const events = n * perEmitter;
  const pacedPerEmitter = Math.ceil((PACED_RATE * (opts.quick ? 1 : 3)) / n);
  const jobs = Array.from({ length: n }, (_, i) => `rt-${i}`);
  const name = `${NAME}-n${n}`;
  return withMesh({ name, cpuProfDir: opts.cpuProfDir, config: opts.config }, async (mesh) => {
    const { ctx, ws, broker } = mesh;
    const size = signedProgress(ctx, { job: jobs[0], topic: topics.events(ctx.cfg.namespace, jobs[0]) }, perEmitter).length;
    const raw = await rawPublishSubscribe(mesh, { jobs, perEmitter, window: WINDOW, size });
    opts.log(`  N=${n} raw: ${Math.round(raw.rate)} msgs/s (${raw.ms} ms)`);

    const reconciler = await mesh.startReconciler('reconciler');
    const reconcilerLog = ws.log(`${name}-reconciler`);
    await createJobs(ctx, jobs);
    const emitters = await connectEmitters(mesh, jobs, WINDOW);
    const acks = await trackCommitAcks(ctx, emitters, perEmitter + pacedPerEmitter);
    const signed = (e: Emitter, firstSeq: number) => {
      const sentAt = acks.times(e.job).sentAt;
      return (i: number) => {
        sentAt[firstSeq + i - 1] = performance.now();
        return signedProgress(ctx, e, firstSeq + i);
      };
    };
    const baseline = (await waitForEvents(ctx.ws.db, 0, 0)).count;

    // Saturated: every emitter as fast as its window allows; timed to the last commit.
    const cpu0 = { broker: broker.cpuMs() ?? 0, reconciler: reconciler.cpuMs() ?? 0, emitters: process.cpuUsage() };
    const t0 = Date.now();
    const published = Promise.all(emitters.map((e) => publishPipelined(e, perEmitter, WINDOW, signed(e, 1))));
    const done = await waitForEvents(ctx.ws.db, baseline + events, t0 + 180_000);
    const cpu1 = { broker: broker.cpuMs() ?? 0, reconciler: reconciler.cpuMs() ?? 0, emitters: process.cpuUsage(cpu0.emitters) };
    await published;
    if (done.count < baseline + events) throw new Error(`registry holds ${done.count - baseline} of ${events} events after 180 s`);
    const rate = ratePerSecond(events, done.at - t0);

    // Paced: a steady load well below saturation, for the latency of the path itself.
    const cpu2 = { broker: broker.cpuMs() ?? 0, reconciler: reconciler.cpuMs() ?? 0 };
    await Promise.all(emitters.map((e) => publishPaced(e, pacedPerEmitter, PACED_RATE / n, signed(e, perEmitter + 1))));
    const all = (perEmitter + pacedPerEmitter) * n;
    // The last acknowledgements follow the last commit by one state publish.
    for (let i = 0; i < 1000 && acks.acked() < all; i++) await sleep(10);
    const cpu3 = { broker: broker.cpuMs() ?? 0, reconciler: reconciler.cpuMs() ?? 0 };
    const saturatedLat = acks.latencies(1, perEmitter);
    const pacedLat = acks.latencies(perEmitter + 1, perEmitter + pacedPerEmitter);
    const rss = reconciler.peakRssKb();
    await closeEmitters(emitters);
    await reconciler.stop();
    const stats = closingStats(reconcilerLog);
    opts.log(`  N=${n} signed: ${Math.round(rate)} events/s (${done.at - t0} ms), reconciler ${JSON.stringify(stats)}`);
    if (stats && stats.rejected > 0) throw new Error(`the reconciler rejected ${stats.rejected} benchmark events (see ${reconcilerLog})`);

    // CPU per event shows which process a rate is bound by: 1e6 / µs is what one whole core could do.
    const perEvent = (cpuMs: number, count = events) => (cpuMs * 1000) / count;
    const cpu = {
      reconciler: perEvent(cpu1.reconciler - cpu0.reconciler),
      broker: perEvent(cpu1.broker - cpu0.broker),
      emitters: (cpu1.emitters.user + cpu1.emitters.system) / events,
      rawBroker: perEvent(raw.brokerCpuMs),
      rawSubscriber: perEvent(raw.subscriberCpuMs),
      rawEmitters: perEvent(raw.emittersCpuMs),
      pacedReconciler: perEvent(cpu3.reconciler - cpu2.reconciler, pacedPerEmitter * n),
      pacedBroker: perEvent(cpu3.broker - cpu2.broker, pacedPerEmitter * n),
    };
    const us = (v: number) => `${Math.round(v)} µs`;
    // With every process CPU-bound, cores / (CPU per event, summed over processes) is the most any rate can be.
    const ceiling = (sum: number) => `${us(sum)} CPU per event in all processes: ${cpus().length} cores allow ≈ ${Math.round((cpus().length * 1e6) / sum)}/s`;
    const signedSum = cpu.reconciler + cpu.broker + cpu.emitters;
    const rawSum = cpu.rawBroker + cpu.rawSubscriber + cpu.rawEmitters;
    const batches = stats ? `${stats.batches} batches in all, ${Math.round(stats.received / Math.max(1, stats.batches))} msgs each` : 'no closing stats';
    const paced = `${PACED_RATE} events/s for ${opts.quick ? 1 : 3} s`;
    return [
      figure(NAME, `N=${n} verified+committed`, rate, 'events/s', { goal: { op: '>=', value: GOAL_RATE }, note: `${n}×${perEmitter} events of ${size} B; ${batches}; ${ceiling(signedSum)}` }),
      figure(NAME, `N=${n} raw QoS 1 pub→sub`, raw.rate, 'msgs/s', { note: `unsigned, same emitters and payload size; a subscriber process with a persistent session that only counts; ${ceiling(rawSum)}` }),
      figure(NAME, `N=${n} committed / raw`, (rate / raw.rate) * 100, '%', { goal: { op: '>=', value: GOAL_RATIO } }),
      figure(NAME, `N=${n} publish→commit-ack p50, saturated`, percentile(saturatedLat, 50), 'ms', { note: 'mostly queueing: emitters outrun the reconciler' }),
      figure(NAME, `N=${n} publish→commit-ack p99, saturated`, percentile(saturatedLat, 99), 'ms'),
      figure(NAME, `N=${n} publish→commit-ack p50, paced`, percentile(pacedLat, 50), 'ms', { note: paced }),
      figure(NAME, `N=${n} publish→commit-ack p99, paced`, percentile(pacedLat, 99), 'ms', { note: paced }),
      figure(NAME, `N=${n} reconciler CPU per event`, cpu.reconciler, 'µs', {
        note: `saturated run; broker ${us(cpu.broker)} (raw run ${us(cpu.rawBroker)}), emitters ${us(cpu.emitters)} (raw ${us(cpu.rawEmitters)}), raw subscriber ${us(cpu.rawSubscriber)}; paced run: reconciler ${us(cpu.pacedReconciler)}, broker ${us(cpu.pacedBroker)}`,
      }),
      figure(NAME, `N=${n} reconciler peak RSS`, (rss ?? Number.NaN) / 1024, 'MiB', { note: 'VmHWM of the `mam reconcile` process' }),
    ];
  });
}

/**
 * Verified-and-committed events per second: N emitters (one connection
 * each, agent login and key of their own job) → embedded TLS broker process
 * → `mam reconcile` process → SQLite, timed from the first publish until a
 * read-only registry connection counts every event. Beside it, the same
 * emitters publishing unsigned payloads of the same size to a subscriber
 * process that only counts: the ceiling the broker and 2 cores allow.
 */
export const reconcileThroughput: Benchmark = {
  name: NAME,
  issue: '#3',
  describe: 'N emitters → TLS broker process → `mam reconcile` process → SQLite commit; vs raw QoS 1 pub→sub; latency to the state ack; reconciler RSS',
  async run(opts) {
    const out: Figure[] = [];
    for (const n of [4, 10]) out.push(...(await scenario(n, opts)));
    return out;
  },
};
