import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { execa } from 'execa';
import { openRegistry } from '../subscriber/registry/registry.js';
import { figure, type Benchmark, type BenchOptions, type Figure } from './benchmark.js';
import { MAM_BIN, withMesh, type Mesh } from './setup.js';
import { median } from './stats.js';
import { pollUntil, readRegistry } from './termination-latency.js';

const NAME = 'registry-scale';
const EVENTS_PER_JOB = 10;

/**
 * A registry as months of work leave it: `jobs` jobs of this host, `live` of them running with a
 * recorded session that no longer exists (the host rebooted), the rest ended within the last day,
 * and EVENTS_PER_JOB events each. Written straight into the database before any daemon starts.
 */
function seedRegistry(mesh: Mesh, jobs: number, live: number): void {
  const reg = openRegistry(mesh.ctx.ws.db);
  const host = mesh.ctx.cfg.host;
  const now = Date.now();
  const raw = Buffer.from(randomBytes(300).toString('base64'));
  const CHUNK = 5000;
  for (let from = 0; from < jobs; from += CHUNK) {
    reg.transaction(() => {
      for (let i = from; i < Math.min(jobs, from + CHUNK); i++) {
        const id = `scale-${i}`;
        const isLive = i < live;
        const at = now - Math.floor(((jobs - i) / jobs) * 20 * 3600_000);
        reg.restoreJob({
          job: {
            id,
            state: isLive ? 'running' : 'done',
            reason: null,
            gen: 1,
            host,
            agent: 'command',
            workdir: null,
            spec: '{}',
            state_seq: 3,
            created_at: at,
            updated_at: at,
            last_event_at: null,
            born_ts: null,
            priority: 5,
            not_before: null,
            attempts: 0,
            gate_runs: 0,
          },
          sessions: [
            {
              job: id,
              gen: 1,
              host,
              backend: 'pty',
              name: `mam-command-scale-${i}-1`,
              pid: null,
              workdir: null,
              git_base: null,
              agent_session_id: null,
              started_at: at,
              ended_at: isLive ? null : at,
              end_reason: isLive ? null : 'done',
            },
          ],
          events: Array.from({ length: EVENTS_PER_JOB }, (_, k) => ({
            job: id,
            sender: 'agent',
            seq: k + 1,
            gen: 1,
            type: 'job.progress',
            ts: at,
            received_at: at,
            kid: 'k0',
            applied: 1,
            state_after: 'running',
            raw,
          })),
          hwm: [{ sender: 'agent', seq: EVENTS_PER_JOB }],
        });
      }
    });
  }
  reg.close();
}

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
      seedRegistry(mesh, jobs, live);
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
