import { setTimeout as sleep } from 'node:timers/promises';
import { figure, type Benchmark, type BenchOptions, type Figure } from './benchmark.js';
import { closingStats, withMesh } from './setup.js';
import { median } from './stats.js';
import { configureSessions, createLaunchedJobs, pollUntil, readRegistry, tmuxSessions } from './termination-latency.js';

const NAME = 'sessions-scale';
const SWEEP_MS = 500;
/** Sweeps timed once every session runs. */
const SWEEPS = 10;

/**
 * One host, `n` live sessions on one backend, with a real `mam reconcile`
 * owning them: its peak RSS, and how long each drift sweep (liveness of every
 * session, orphan scan, timeouts, outbox flush) takes once all of them run.
 */
function scenario(backend: 'tmux' | 'pty', n: number, opts: BenchOptions): Promise<Figure[]> {
  const name = `${NAME}-${backend}`;
  return withMesh({ name, cpuProfDir: opts.cpuProfDir, config: opts.config }, async (mesh) => {
    configureSessions(mesh, { reconciler: { sweepIntervalMs: SWEEP_MS } });
    const reconciler = await mesh.startReconciler('reconciler');
    const { ws, ctx } = mesh;
    const ids = Array.from({ length: n }, (_, i) => `scale-${i}`);
    const t0 = Date.now();
    // Agents that only wait: the sessions stay up and the jobs stay live (starting) throughout.
    await createLaunchedJobs(ws, ctx, ids, { backend, script: 'exec sleep 3600\n' });
    const live = () => readRegistry(ctx, (reg) => reg.liveSessions(ctx.cfg.host).length);
    await pollUntil(
      () => ({ ok: live() === n, progress: `${live()} of ${n} sessions live` }),
      180_000,
      `${backend}: ${n} live sessions`,
    );
    opts.log(`  ${backend}: ${n} sessions launched in ${Date.now() - t0} ms`);
    if (backend === 'tmux') {
      const on = (await tmuxSessions(ctx.cfg.sessions.tmuxSocket)).length;
      if (on !== n) throw new Error(`tmux runs ${on} sessions, the registry says ${n}`);
    }
    // The sweeps to time start after every session is up; a few spare intervals absorb timer drift.
    await sleep((SWEEPS + 2) * SWEEP_MS);
    const rssMiB = (reconciler.peakRssKb() ?? Number.NaN) / 1024;
    const moved = readRegistry(ctx, (reg) =>
      Object.entries(reg.jobCounts()).reduce((sum, [state, n]) => (state === 'starting' ? sum : sum + n), 0),
    );
    if (moved) throw new Error(`${moved} jobs left 'starting' while their sessions ran (a sweep misjudged them)`);
    await reconciler.stop();
    const stats = closingStats(ws.log(`${name}-reconciler`));
    if (!stats?.sweepMs?.length) throw new Error(`no sweep statistics in ${ws.log(`${name}-reconciler`)}`);
    const sweeps = stats.sweepMs.slice(-SWEEPS);
    opts.log(
      `  ${backend}: peak RSS ${rssMiB.toFixed(1)} MiB; last sweeps ${sweeps.join(' ')} ms (of ${stats.sweeps})`,
    );
    const note = `${n} live ${backend} sessions; last ${sweeps.length} sweeps`;
    return [
      figure(NAME, `${backend}: reconciler peak RSS, ${n} sessions`, rssMiB, 'MiB', {
        goal: { op: '<=', value: 200 },
        note: `VmHWM of \`mam reconcile\`; ${n} live ${backend} sessions`,
      }),
      figure(NAME, `${backend}: drift sweep median, ${n} sessions`, median(sweeps), 'ms', { note }),
      figure(NAME, `${backend}: drift sweep max, ${n} sessions`, Math.max(...sweeps), 'ms', {
        goal: { op: '<=', value: 100 },
        note,
      }),
    ];
  });
}

export const sessionsScale: Benchmark = {
  name: NAME,
  issue: '#4',
  describe: '200 live sessions on one host (tmux, then pty): reconciler peak RSS and drift sweep duration',
  async run(opts) {
    const n = opts.quick ? 50 : 200;
    return [...(await scenario('tmux', n, opts)), ...(await scenario('pty', n, opts))];
  },
};
