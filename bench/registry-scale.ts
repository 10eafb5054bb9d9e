import { readFileSync } from 'node:fs';
import { execa } from 'execa';
import { figure, type Benchmark, type BenchOptions, type Figure } from './benchmark.js';
import { MAM_BIN, withMesh, type Mesh } from './setup.js';
import { seedRegistry } from './seed-registry.js';
import { median } from './stats.js';
import { pollUntil, readRegistry } from './termination-latency.js';

const NAME = 'registry-scale';
const EVENTS_PER_JOB = 10;

/** Median wall time of `mam <args>` over `runs` runs, after one untimed run. */
async function cliMs(mesh: Mesh, args: string[], runs: number): Promise<number> {
  const once = async () => {
    const t0 = performance.now();
    const r = await execa(process.execPath, [MAM_BIN, ...args], {
      cwd: mesh.ws.root,
      env: mesh.ws.env,
      extendEnv: false,
      reject: false,
      stdout: 'ignore',
    });
    if (r.exitCode !== 0) throw new Error(`mam ${args.join(' ')} exited ${r.exitCode}: ${String(r.stderr)}`);
    return performance.now() - t0;
  };
  await once();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) times.push(await once());
  return median(times);
}

async function scenario(opts: BenchOptions, jobs: number, live: number): Promise<Figure[]> {
  return withMesh(
    { name: NAME, cpuProfDir: opts.cpuProfDir, config: { reconciler: { sweepIntervalMs: 500 }, ...opts.config } },
    async (mesh) => {
      const t0 = Date.now();
      seedRegistry(mesh.ctx, { jobs, live, eventsPerJob: EVENTS_PER_JOB });
      opts.log(`  seeded ${jobs} jobs (${live} live) and ${jobs * EVENTS_PER_JOB} events in ${Date.now() - t0} ms`);
      const lost = () => readRegistry(mesh.ctx, (reg) => reg.jobCounts().lost ?? 0);

      // `mam up` on this registry: the broker is fresh (it holds no retained state), the reconciler starts.
      const start = performance.now();
      const rec = await mesh.startReconciler('reconciler');
      await pollUntil(
        () => ({ ok: lost() === live, progress: `${lost()} of ${live} lost` }),
        120_000,
        'every session-less live job marked lost',
      );
      const firstSweepMs = performance.now() - start;
      const rssMiB = (rec.peakRssKb() ?? Number.NaN) / 1024;
      // `mam down` while the start-up's bulk work may still run.
      const stopStart = performance.now();
      await rec.stop();
      const stopMs = performance.now() - stopStart;
      // Where the start-up's time went, from the reconciler's own log.
      const logged = readFileSync(mesh.ws.log(`${NAME}-reconciler`), 'utf8')
        .split('\n')
        .filter((l) => /announced|closed/.test(l));
      for (const l of logged) opts.log(`  reconciler: ${l.slice(0, 300)}`);
      const jobsMs = await cliMs(mesh, ['jobs'], 5);
      const showMs = await cliMs(mesh, ['job', 'show', `scale-${jobs - 1}`], 5);
      opts.log(
        `  first sweep ${firstSweepMs.toFixed(0)} ms, stop ${stopMs.toFixed(0)} ms, RSS ${rssMiB.toFixed(0)} MiB, jobs ${jobsMs.toFixed(0)} ms, show ${showMs.toFixed(0)} ms`,
      );
      const note = `${jobs} jobs (${live} live without their sessions), ${jobs * EVENTS_PER_JOB} events; a fresh broker`;
      return [
        figure(NAME, 'start → every session-less live job lost', firstSweepMs, 'ms', {
          goal: { op: '<=', value: 2000 },
          note,
        }),
        figure(NAME, 'reconciler peak RSS', rssMiB, 'MiB', { goal: { op: '<=', value: 200 }, note }),
        figure(NAME, '`mam jobs` median', jobsMs, 'ms', { goal: { op: '<=', value: 300 }, note }),
        figure(NAME, '`mam job show` median', showMs, 'ms', { goal: { op: '<=', value: 300 }, note }),
        figure(NAME, 'SIGTERM (`mam down`) → reconciler stopped', stopMs, 'ms', {
          goal: { op: '<=', value: 2000 },
          note: `${note}; right after the first sweep`,
        }),
      ];
    },
  );
}

export const registryScale: Benchmark = {
  name: NAME,
  issue: '#14',
  describe:
    'a registry of 100,000 jobs (1,000 live whose sessions are gone) and 1,000,000 events: start → first sweep done, RSS, `mam jobs`/`job show`, stop',
  run: (opts) => (opts.quick ? scenario(opts, 10_000, 100) : scenario(opts, 100_000, 1_000)),
};
