import { performance } from 'node:perf_hooks';
import { execa } from 'execa';
import { figure, type Benchmark } from './benchmark.js';
import { sessionEnv } from '../subscriber/session-env.js';
import { createJobs, MAM_BIN, withMesh, type BenchWorkspace } from './setup.js';
import { median, percentile } from './stats.js';

const NAME = 'emit-latency';

/**
 * NODE_EXTRA_CA_CERTS makes node read and parse the named bundle as it starts,
 * before any of mam's code runs: with a system bundle, ≈ 80 ms of every node
 * process here (`node -e 0`: 53 ms without it, 135 ms with it). mam never uses
 * it (its broker connections trust the workspace CA or broker.caFile only), and
 * an agent session's environment does not carry it. The goal is timed without
 * it; a run with the inherited environment is reported beside.
 */
const STARTUP_EXTRAS = ['NODE_EXTRA_CA_CERTS'];
const clean = (env: NodeJS.ProcessEnv) =>
  Object.fromEntries(Object.entries(env).filter(([k]) => !STARTUP_EXTRAS.includes(k)));

/**
 * Wall time of one `mam emit` process, spawn to exit; a non-zero exit fails the benchmark.
 * `session`: the environment of a job's session, where `mam` on PATH is the session's shim.
 */
async function timeEmit(
  ws: BenchWorkspace,
  args: string[],
  opts: { session?: Record<string, string>; inherited?: boolean } = {},
): Promise<number> {
  const t0 = performance.now();
  const [file, ...pre] = opts.session ? ['mam'] : [process.execPath, MAM_BIN];
  const r = await execa(file, [...pre, 'emit', 'job.progress', ...args], {
    cwd: ws.root,
    env: opts.session ?? (opts.inherited ? ws.env : clean(ws.env)),
    extendEnv: false,
    reject: false,
    timeout: 30_000,
  });
  const ms = performance.now() - t0;
  if (r.exitCode !== 0) throw new Error(`mam emit ${args.join(' ')} exited ${r.exitCode}: ${r.stderr}`);
  return ms;
}

/**
 * `mam emit` as an operator runs it (workspace login, job key derived), one
 * process at a time: start → PUBACK with --no-wait, and start → the
 * reconciler's signed state acknowledging the commit, with a real
 * `mam reconcile` running. Each --no-wait run has a job of its own, so no
 * run re-sends an earlier run's outbox entry. Then as an agent's hook runs it
 * inside its session: job, key and login from the session's environment, no
 * config read, through the session's `mam` shim. The operator's runs leave
 * out NODE_EXTRA_CA_CERTS (see STARTUP_EXTRAS), and when the environment sets
 * it, a run with it is timed beside them.
 */
export const emitLatency: Benchmark = {
  name: NAME,
  issue: '#2/#3',
  describe:
    '`mam emit job.progress` process, spawn → exit: --no-wait (PUBACK) and committed-ack, as an operator and inside an agent session, broker and reconciler as their own processes',
  run: (opts) =>
    withMesh({ name: NAME, cpuProfDir: opts.cpuProfDir, config: opts.config }, async (mesh) => {
      const runs = opts.quick ? 10 : 30;
      await mesh.startReconciler('reconciler');
      const noWaitJobs = Array.from({ length: runs + 1 }, (_, i) => `nowait-${i}`);
      await createJobs(mesh.ctx, ['wait-0', 'agent-0', ...noWaitJobs]);
      const session = sessionEnv(mesh.ctx, 'agent-0', 0, process.env);
      const extras = STARTUP_EXTRAS.filter((k) => mesh.ws.env[k] !== undefined);
      const emit = (args: string[]) => timeEmit(mesh.ws, args);
      // One untimed run of each: the first process start pays for cold caches.
      await emit(['--job', noWaitJobs[runs], '--field', 'message=warm', '--no-wait']);
      await emit(['--job', 'wait-0', '--field', 'message=warm']);
      await timeEmit(mesh.ws, ['--field', 'message=warm'], { session });
      const noWait: number[] = [];
      const committed: number[] = [];
      const inSession: number[] = [];
      const inherited: number[] = [];
      for (let i = 0; i < runs; i++) {
        noWait.push(await emit(['--job', noWaitJobs[i], '--field', `message=run ${i}`, '--no-wait']));
        committed.push(await emit(['--job', 'wait-0', '--field', `message=run ${i}`]));
        inSession.push(await timeEmit(mesh.ws, ['--field', `message=run ${i}`], { session }));
        if (extras.length)
          inherited.push(
            await timeEmit(mesh.ws, ['--job', 'wait-0', '--field', `message=run ${i}`], { inherited: true }),
          );
      }
      opts.log(`  --no-wait: ${noWait.map(Math.round).join(' ')}`);
      opts.log(`  committed: ${committed.map(Math.round).join(' ')}`);
      opts.log(`  in a session: ${inSession.map(Math.round).join(' ')}`);
      if (extras.length) opts.log(`  committed, with ${extras.join(', ')}: ${inherited.map(Math.round).join(' ')}`);
      const note = `${runs} runs`;
      const operator = `${note}; the workspace's environment${extras.length ? ` without ${extras.join(', ')}` : ''}`;
      return [
        figure(NAME, 'emit --no-wait (PUBACK) median', median(noWait), 'ms', { note: operator }),
        figure(NAME, 'emit --no-wait (PUBACK) p95', percentile(noWait, 95), 'ms', { note: operator }),
        figure(NAME, 'emit committed-ack median', median(committed), 'ms', {
          goal: { op: '<=', value: 250 },
          note: operator,
        }),
        figure(NAME, 'emit committed-ack p95', percentile(committed, 95), 'ms', { note: operator }),
        figure(NAME, 'emit committed-ack in an agent session median', median(inSession), 'ms', {
          goal: { op: '<=', value: 250 },
          note: `${note}; the session's environment and shim, no config read`,
        }),
        figure(NAME, 'emit committed-ack in an agent session p95', percentile(inSession, 95), 'ms', { note }),
        ...(extras.length
          ? [
              figure(NAME, `emit committed-ack median, with ${extras.join(', ')}`, median(inherited), 'ms', {
                note: `${note}; this environment sets ${extras.join(', ')}, which node loads at every start (mam does not use it)`,
              }),
            ]
          : []),
      ];
    }),
};
