import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { openRegistry, type Registry } from '../subscriber/registry/registry.js';
import { figure, type Benchmark, type BenchOptions, type Figure } from './benchmark.js';
import { netnsUnavailable } from './netns/net-hosts.js';
import { startNetMesh, type NetMesh } from './netns/mesh.js';
import { percentile } from './stats.js';

const NAME = 'cross-host';
const [A, B] = [0, 1];

/** Started, waits for `go` in its workdir, then reports done with the `mam` of its session (B's). */
const AGENT = 'mam emit job.started; while [ ! -f go ]; do sleep 0.01; done; mam emit job.done; exec sleep 600';

/** Reads host i's registry read-only, as the CLI would, never holding it open between looks. */
function readOn<T>(mesh: NetMesh, i: number, fn: (reg: Registry) => T): T {
  const reg = openRegistry(join(mesh.root(i), '.mam', 'mam.db'), { readonly: true });
  try {
    return fn(reg);
  } finally {
    reg.close();
  }
}

async function until<T>(look: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = look();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await sleep(5);
  }
}

/** When host i's reconciler received the job's first event of `type` (verified on arrival, committed in its batch). */
const receivedOn = (mesh: NetMesh, i: number, job: string, type: string) =>
  readOn(mesh, i, (reg) => reg.jobTimeline(job).find((e) => e.type === type))?.received_at;

/**
 * One job: `mam job create --host B` run on A → B's session launched (its row in B's registry);
 * then its agent's verified done on B → the signed state saying done committed on A.
 */
type Run = { launch: number; cli: number; onB: number; visible: number };

async function oneJob(mesh: NetMesh, job: string): Promise<Run> {
  const t0 = Date.now();
  const r = await mesh.createJob('B', job, AGENT);
  const cli = Date.now() - t0;
  if (r.exitCode !== 0) throw new Error(`mam job create ${job}: exit ${r.exitCode}: ${r.stderr}`);
  const started = await until(
    () => readOn(mesh, B, (reg) => reg.getSession(job, 1))?.started_at,
    30_000,
    `${job} launched on B`,
  );
  // Of the launch, B's own part: its reconciler received the operator's control.create → session recorded.
  const created = receivedOn(mesh, B, job, 'control.create') ?? started;
  writeFileSync(join(r.workdir, 'go'), '');
  const doneOnB = await until(() => receivedOn(mesh, B, job, 'job.done'), 30_000, `${job} done on B`);
  // A mirrors B's signed snapshot into its row: updated_at is that commit (polled often enough to see it first).
  const onA = await until(
    () =>
      readOn(mesh, A, (reg) => {
        const row = reg.getJob(job);
        return row?.state === 'done' ? row.updated_at : undefined;
      }),
    30_000,
    `${job} done seen on A`,
  );
  return { launch: started - t0, cli, onB: started - created, visible: onA - doneOnB };
}

export const crossHost: Benchmark = {
  name: NAME,
  issue: '17',
  describe: 'jobs created on A for host B across network namespaces: create → launched on B, done on B → on A',
  async run(opts: BenchOptions): Promise<Figure[]> {
    const why = netnsUnavailable();
    if (why) throw new Error(`${NAME} needs network namespaces: ${why}`);
    const jobs = opts.quick ? 4 : 20;
    const mesh = await startNetMesh({ namespace: 'bx', hosts: [{ name: 'B' }], config: () => opts.config ?? {} });
    try {
      // One first, unmeasured: the first launch on a host starts its tmux server.
      await oneJob(mesh, 'warm');
      const runs: Run[] = [];
      for (let i = 0; i < jobs; i++) {
        runs.push(await oneJob(mesh, `x${i}`));
        opts.log(`${NAME}: ${i + 1}/${jobs} ${JSON.stringify(runs.at(-1))}`);
      }
      const fig = (name: string, k: keyof Run, p: number) =>
        figure(
          NAME,
          name,
          Math.round(
            percentile(
              runs.map((x) => x[k]),
              p,
            ),
          ),
          'ms',
          { note: `${jobs} jobs, one at a time` },
        );
      return [
        fig('mam job create --host B on A → session launched on B, p50', 'launch', 50),
        fig('mam job create --host B on A → session launched on B, p95', 'launch', 95),
        fig('  of which on B: control.create received → session launched, p50', 'onB', 50),
        fig('mam job create --host B: the command until it returns, p50', 'cli', 50),
        fig('done verified on B → done state committed on A, p50', 'visible', 50),
        fig('done verified on B → done state committed on A, p95', 'visible', 95),
      ];
    } finally {
      mesh.cleanup();
    }
  },
};
