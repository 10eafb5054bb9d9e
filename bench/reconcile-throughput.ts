import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { topics } from '../core/topics.js';
import { openRegistry } from '../subscriber/registry/registry.js';
import { figure, type Benchmark, type BenchOptions, type Figure } from './benchmark.js';
import { trackCommitAcks } from './commit-acks.js';
import {
  closeEmitters,
  connectEmitters,
  publishPaced,
  publishPipelined,
  signedProgress,
  type Emitter,
} from './publish-load.js';
import { rawPublishSubscribe } from './raw-baseline.js';
import { closingStats, createJobs, withMesh } from './setup.js';
import { percentile, ratePerSecond } from './stats.js';

const NAME = 'reconcile-throughput';
const WINDOW = 128;
const GOAL_RATE = 20_000;
const GOAL_RATIO = 70;
const PACED_RATE = 2_000;
const ROUNDS = 3;

/**
 * Polls the registry (read-only, as the CLI reads it) until it holds `target` events; resolves with Date.now() then.
 */
async function waitForEvents(db: string, target: number, deadline: number): Promise<{ at: number; count: number }> {
  const reg = openRegistry(db, { readonly: true });
  try {
    for (;;) {
      const n = reg.countEvents();
      if (n >= target || Date.now() > deadline) return { at: Date.now(), count: n };
      await sleep(10);
    }
  } finally {
    reg.close();
  }
}

interface Plan {
  n: number;
  jobs: string[];
  perEmitter: number;
  events: number;
  pacedPerEmitter: number;
}

type RawRound = Awaited<ReturnType<typeof rawPublishSubscribe>>;

/** One raw round in a mesh of its own: unsigned payloads of the signed events' size, a subscriber that only counts. */
function rawRound(p: Plan, opts: BenchOptions, round: number): Promise<RawRound> {
  return withMesh(
    { name: `${NAME}-n${p.n}-raw${round}`, cpuProfDir: opts.cpuProfDir, config: opts.config },
    async (mesh) => {
      const size = signedProgress(
        mesh.ctx,
        { job: p.jobs[0], topic: topics.events(mesh.ctx.cfg.namespace, p.jobs[0]) },
        p.perEmitter,
      ).length;
      return rawPublishSubscribe(mesh, { jobs: p.jobs, perEmitter: p.perEmitter, window: WINDOW, size });
    },
  );
}

interface SignedRound {
  rate: number;
  ms: number;
  size: number;
  stats: ReturnType<typeof closingStats>;
  saturatedLat: number[];
  pacedLat: number[];
  rss: number | undefined;
  cpu: { reconciler: number; broker: number; emitters: number; pacedReconciler: number; pacedBroker: number };
}

/** One signed round in a mesh of its own: a real `mam reconcile`, saturated then paced. */
function signedRound(p: Plan, opts: BenchOptions, round: number): Promise<SignedRound> {
  const name = `${NAME}-n${p.n}-signed${round}`;
  return withMesh({ name, cpuProfDir: opts.cpuProfDir, config: opts.config }, async (mesh) => {
    const { ctx, ws, broker } = mesh;
    const size = signedProgress(
      ctx,
      { job: p.jobs[0], topic: topics.events(ctx.cfg.namespace, p.jobs[0]) },
      p.perEmitter,
    ).length;
    const reconciler = await mesh.startReconciler('reconciler');
    const reconcilerLog = ws.log(`${name}-reconciler`);
    await createJobs(ctx, p.jobs);
    const emitters = await connectEmitters(mesh, p.jobs, WINDOW);
    const acks = await trackCommitAcks(ctx, emitters, p.perEmitter + p.pacedPerEmitter);
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
    const published = Promise.all(emitters.map((e) => publishPipelined(e, p.perEmitter, WINDOW, signed(e, 1))));
    const done = await waitForEvents(ctx.ws.db, baseline + p.events, t0 + 180_000);
    const cpu1 = {
      broker: broker.cpuMs() ?? 0,
      reconciler: reconciler.cpuMs() ?? 0,
      emitters: process.cpuUsage(cpu0.emitters),
    };
    await published;
    if (done.count < baseline + p.events)
      throw new Error(`registry holds ${done.count - baseline} of ${p.events} events after 180 s`);

    // Paced: a steady load well below saturation, for the latency of the path itself.
    const cpu2 = { broker: broker.cpuMs() ?? 0, reconciler: reconciler.cpuMs() ?? 0 };
    await Promise.all(
      emitters.map((e) => publishPaced(e, p.pacedPerEmitter, PACED_RATE / p.n, signed(e, p.perEmitter + 1))),
    );
    const all = (p.perEmitter + p.pacedPerEmitter) * p.n;
    // The last acknowledgements follow the last commit by one state publish.
    for (let i = 0; i < 1000 && acks.acked() < all; i++) await sleep(10);
    const cpu3 = { broker: broker.cpuMs() ?? 0, reconciler: reconciler.cpuMs() ?? 0 };
    const rss = reconciler.peakRssKb();
    await closeEmitters(emitters);
    await reconciler.stop();
    const stats = closingStats(reconcilerLog);
    if (stats && stats.rejected > 0)
      throw new Error(`the reconciler rejected ${stats.rejected} benchmark events (see ${reconcilerLog})`);
    // CPU per event shows which process a rate is bound by: 1e6 / µs is what one whole core could do.
    const perEvent = (cpuMs: number, count = p.events) => (cpuMs * 1000) / count;
    return {
      rate: ratePerSecond(p.events, done.at - t0),
      ms: done.at - t0,
      size,
      stats,
      saturatedLat: acks.latencies(1, p.perEmitter),
      pacedLat: acks.latencies(p.perEmitter + 1, p.perEmitter + p.pacedPerEmitter),
      rss,
      cpu: {
        reconciler: perEvent(cpu1.reconciler - cpu0.reconciler),
        broker: perEvent(cpu1.broker - cpu0.broker),
        emitters: (cpu1.emitters.user + cpu1.emitters.system) / p.events,
        pacedReconciler: perEvent(cpu3.reconciler - cpu2.reconciler, p.pacedPerEmitter * p.n),
        pacedBroker: perEvent(cpu3.broker - cpu2.broker, p.pacedPerEmitter * p.n),
      },
    };
  });
}

/** The round whose value is the median (the lower middle one for an even count). */
function medianRound<T>(rounds: T[], value: (r: T) => number): T {
  return [...rounds].sort((a, b) => value(a) - value(b))[Math.floor((rounds.length - 1) / 2)];
}

async function scenario(n: number, opts: BenchOptions): Promise<Figure[]> {
  const perEmitter = Math.ceil((opts.quick ? 8_000 : 40_000) / n);
  const plan: Plan = {
    n,
    jobs: Array.from({ length: n }, (_, i) => `rt-${i}`),
    perEmitter,
    events: n * perEmitter,
    pacedPerEmitter: Math.ceil((PACED_RATE * (opts.quick ? 1 : 3)) / n),
  };
  // Raw and signed rounds alternate, each in a fresh mesh: load from elsewhere on a shared machine
  // then falls on both sides of the ratio instead of on one run.
  const raws: RawRound[] = [];
  const signeds: SignedRound[] = [];
  for (let r = 0; r < (opts.quick ? 1 : ROUNDS); r++) {
    raws.push(await rawRound(plan, opts, r));
    opts.log(`  N=${n} raw round ${r + 1}: ${Math.round(raws.at(-1)!.rate)} msgs/s (${raws.at(-1)!.ms} ms)`);
    signeds.push(await signedRound(plan, opts, r));
    opts.log(
      `  N=${n} signed round ${r + 1}: ${Math.round(signeds.at(-1)!.rate)} events/s (${signeds.at(-1)!.ms} ms), reconciler ${JSON.stringify(signeds.at(-1)!.stats)}`,
    );
  }
  const raw = medianRound(raws, (x) => x.rate);
  const signed = medianRound(signeds, (x) => x.rate);
  const spread = (xs: number[], unit: string) =>
    `rounds: ${xs.map((x) => Math.round(x).toLocaleString('en-US')).join(', ')} ${unit}`;
  const { cpu, stats } = signed;
  const us = (v: number) => `${Math.round(v)} µs`;
  const rawCpu = {
    broker: (raw.brokerCpuMs * 1000) / plan.events,
    subscriber: (raw.subscriberCpuMs * 1000) / plan.events,
    emitters: (raw.emittersCpuMs * 1000) / plan.events,
  };
  // With every process CPU-bound, cores / (CPU per event, summed over processes) is the most any rate can be.
  const ceiling = (sum: number) =>
    `${us(sum)} CPU per event in all processes: ${cpus().length} cores allow ≈ ${Math.round((cpus().length * 1e6) / sum)}/s`;
  const batches = stats
    ? `${stats.batches} batches in all, ${Math.round(stats.received / Math.max(1, stats.batches))} msgs each`
    : 'no closing stats';
  const paced = `${PACED_RATE} events/s for ${opts.quick ? 1 : 3} s`;
  return [
    figure(NAME, `N=${n} verified+committed`, signed.rate, 'events/s', {
      goal: { op: '>=', value: GOAL_RATE },
      note: `median of ${signeds.length} (${spread(
        signeds.map((x) => x.rate),
        'events/s',
      )}); ${n}×${perEmitter} events of ${signed.size} B; ${batches}; ${ceiling(cpu.reconciler + cpu.broker + cpu.emitters)}`,
    }),
    figure(NAME, `N=${n} raw QoS 1 pub→sub`, raw.rate, 'msgs/s', {
      note: `median of ${raws.length} (${spread(
        raws.map((x) => x.rate),
        'msgs/s',
      )}); unsigned, same emitters and payload size; a subscriber process with a persistent session that only counts; ${ceiling(rawCpu.broker + rawCpu.subscriber + rawCpu.emitters)}`,
    }),
    figure(NAME, `N=${n} committed / raw`, (signed.rate / raw.rate) * 100, '%', {
      goal: { op: '>=', value: GOAL_RATIO },
      note: 'medians of the alternating rounds',
    }),
    figure(NAME, `N=${n} publish→commit-ack p50, saturated`, percentile(signed.saturatedLat, 50), 'ms', {
      note: 'mostly queueing: emitters outrun the reconciler',
    }),
    figure(NAME, `N=${n} publish→commit-ack p99, saturated`, percentile(signed.saturatedLat, 99), 'ms'),
    figure(NAME, `N=${n} publish→commit-ack p50, paced`, percentile(signed.pacedLat, 50), 'ms', { note: paced }),
    figure(NAME, `N=${n} publish→commit-ack p99, paced`, percentile(signed.pacedLat, 99), 'ms', { note: paced }),
    figure(NAME, `N=${n} reconciler CPU per event`, cpu.reconciler, 'µs', {
      note: `median signed round; broker ${us(cpu.broker)} (raw run ${us(rawCpu.broker)}), emitters ${us(cpu.emitters)} (raw ${us(rawCpu.emitters)}), raw subscriber ${us(rawCpu.subscriber)}; paced run: reconciler ${us(cpu.pacedReconciler)}, broker ${us(cpu.pacedBroker)}`,
    }),
    figure(NAME, `N=${n} reconciler peak RSS`, (signed.rss ?? Number.NaN) / 1024, 'MiB', {
      note: 'VmHWM of the `mam reconcile` process',
    }),
  ];
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
  describe:
    'N emitters → TLS broker process → `mam reconcile` process → SQLite commit; vs raw QoS 1 pub→sub; latency to the state ack; reconciler RSS',
  async run(opts) {
    const out: Figure[] = [];
    for (const n of [4, 10]) out.push(...(await scenario(n, opts)));
    return out;
  },
};
