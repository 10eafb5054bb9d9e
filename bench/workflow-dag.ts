import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { sendOperatorCommand } from '../cli/operator-command.js';
import { figure, type Benchmark } from './benchmark.js';
import { answerLaunches } from './queue-throughput.js';
import { withMesh } from './setup.js';
import { median, percentile } from './stats.js';
import { configureSessions, pollUntil, readRegistry } from './termination-latency.js';

const NAME = 'workflow-dag';
const RUN = 'dag';

/**
 * A 200-job DAG (`quick`: 50): root → a fan-out of `fan` items → one fan-in → `chains` chains of
 * `depth` steps each, every step a pty `command` agent done the moment it runs. Returns the
 * workflow's text and each step's needs.
 */
export function dagWorkflow(
  fan: number,
  chains: number,
  depth: number,
): { text: string; needs: Map<string, string[]> } {
  const needs = new Map<string, string[]>([
    ['root', []],
    ['fan', ['root']],
    ['join', ['fan']],
  ]);
  for (let c = 0; c < chains; c++)
    for (let d = 0; d < depth; d++) needs.set(`c${c}_${d}`, [d === 0 ? 'join' : `c${c}_${d - 1}`]);
  const agent = "agent: command, backend: pty, worktree: false, command: [sh, -c, 'exec sleep 600']";
  const lines = [
    'params:',
    `  - { name: items, type: list, default: [${Array.from({ length: fan }, (_, i) => `i${i}`).join(', ')}] }`,
    'steps:',
  ];
  for (const [id, n] of needs)
    lines.push(
      `  - { id: ${id}, ${agent}${n.length ? `, needs: [${n.join(', ')}]` : ''}${id === 'fan' ? ', foreach: items' : ''} }`,
    );
  return { text: `${lines.join('\n')}\n`, needs };
}

interface JobTimes {
  step: string;
  launched: number;
  done: number;
}

/**
 * A run of a 200-step DAG of `command` agents on one host (fan-out 50, fan-in, chains): from the
 * commit of the done that made a step ready to that step's session launched, and the whole run's
 * overhead over the sum of its critical path's step durations.
 */
export const workflowDag: Benchmark = {
  name: NAME,
  issue: '#16',
  describe:
    '200-step workflow DAG of pty command agents (fan-out 50, fan-in, 4 chains): ready → launched, run overhead',
  run: (opts) =>
    withMesh({ name: NAME, cpuProfDir: opts.cpuProfDir, config: opts.config }, async (mesh) => {
      const [fan, chains, depth] = opts.quick ? [20, 2, 14] : [50, 4, 37];
      const { text, needs } = dagWorkflow(fan, chains, depth);
      const total = 3 + fan - 1 + chains * depth;
      configureSessions(mesh, {
        sessions: { maxConcurrent: 64, isolation: 'none', killGraceMs: 1000 },
        reconciler: { sweepIntervalMs: 1000 },
      });
      await mesh.startReconciler('reconciler');
      const { ctx, ws } = mesh;
      const workdir = join(ws.root, 'work');
      mkdirSync(workdir, { recursive: true });
      const agent = await answerLaunches(ctx);
      const body = { id: RUN, file: 'dag.yaml', workflow: text, workdir };
      const t0 = Date.now();
      try {
        await sendOperatorCommand(ctx, ctx.cfg.host, `run-${RUN}`, 'run.start', body, 10_000);
        const state = () => readRegistry(ctx, (reg) => reg.getRun(RUN)?.state ?? 'not started');
        await pollUntil(() => ({ ok: state() === 'done', progress: `run ${state()}` }), 600_000, 'the run done');
      } finally {
        await agent.close();
      }
      const { jobs, run } = readRegistry(ctx, (reg) => ({
        run: reg.getRun(RUN)!,
        jobs: reg.runSteps(RUN).map((r): JobTimes & { job: string } => {
          const done = reg.jobTimeline(r.job).find((e) => e.type === 'job.done' && e.applied === 1);
          return {
            job: r.job,
            step: r.step,
            launched: reg.getSession(r.job, 1)?.started_at ?? Number.NaN,
            done: done?.received_at ?? Number.NaN,
          };
        }),
      }));
      if (jobs.length !== total || jobs.some((j) => Number.isNaN(j.launched + j.done)))
        throw new Error(`${jobs.length} of ${total} step jobs launched and done once`);
      const byStep = new Map<string, JobTimes[]>();
      for (const j of jobs) byStep.set(j.step, [...(byStep.get(j.step) ?? []), j]);
      // A step is ready when the last done of what it needs is in; each of its jobs launches after.
      const readyAt = (step: string) => Math.max(...needs.get(step)!.flatMap((n) => byStep.get(n)!.map((j) => j.done)));
      const ready = jobs.filter((j) => j.step !== 'root').map((j) => j.launched - readyAt(j.step));
      // One launch per done: the chains' steps, apart from the fan-out's 50 launches at once.
      const chain = jobs.filter((j) => /^c\d/.test(j.step)).map((j) => j.launched - readyAt(j.step));
      // Critical path: the longest sum of step durations (first launch → last done of the step) along the needs.
      const dur = (s: string) =>
        Math.max(...byStep.get(s)!.map((j) => j.done)) - Math.min(...byStep.get(s)!.map((j) => j.launched));
      const best = new Map<string, number>();
      for (const s of needs.keys()) best.set(s, dur(s) + Math.max(0, ...needs.get(s)!.map((n) => best.get(n)!)));
      const critical = Math.max(...best.values());
      const wall = run.updated_at - t0;
      const levels = 3 + depth;
      opts.log(
        `  ${total} step jobs in ${wall} ms; ready → launched p50 ${median(ready)} ms, p95 ${percentile(ready, 95)} ms; critical path ${critical} ms over ${levels} levels`,
      );
      const note = `${total} pty command steps: fan-out ${fan}, fan-in, ${chains} chains of ${depth}; maxConcurrent 64`;
      return [
        figure(NAME, "predecessor's done committed → step launched p50", median(ready), 'ms', {
          goal: { op: '<=', value: 150 },
          note,
        }),
        figure(NAME, "predecessor's done committed → step launched p95", percentile(ready, 95), 'ms', {
          goal: { op: '<=', value: 300 },
          note,
        }),
        figure(NAME, 'of which chain steps (one launch per done) p50', median(chain), 'ms', { note }),
        figure(NAME, 'of which chain steps (one launch per done) p95', percentile(chain, 95), 'ms', { note }),
        figure(NAME, 'run wall time', wall, 'ms', { note: `run.start sent → run done, ${levels} levels deep` }),
        figure(NAME, 'run overhead over its critical path', wall - critical, 'ms', {
          note: `wall time less the ${critical} ms the critical path's steps ran (launch → done)`,
        }),
        figure(NAME, 'run overhead per level', (wall - critical) / levels, 'ms', { note: `${levels} levels of needs` }),
      ];
    }),
};
