import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { emitEvent } from '../broker/emitter/emit-event.js';
import { loadContext, type Context } from '../core/context.js';
import { initWorkspace } from '../core/init-workspace.js';
import { topics } from '../core/topics.js';
import { operatorIdentity } from '../subscriber/operator-identity.js';

export { MAM_BIN, spawnNode, type Child, type SpawnOptions } from './spawn-node.js';
import { MAM_BIN, spawnNode, type Child } from './spawn-node.js';

/** A fresh workspace made by the real `initWorkspace` (its own tmux socket too), in a temp folder. */
export interface BenchWorkspace {
  root: string;
  env: NodeJS.ProcessEnv;
  log(name: string): string;
  context(): Context;
  cleanup(): void;
}

/** Settings merged into .mam/config.json, one level deep: `{ reconciler: { batchMax: 500 } }`. */
export type ConfigPatch = Record<string, Record<string, unknown>>;

/** Merges `patch` into the workspace config; daemons started afterwards read it. */
export function configure(ws: BenchWorkspace, patch: ConfigPatch): void {
  const file = join(ws.root, '.mam', 'config.json');
  const cfg = JSON.parse(readFileSync(file, 'utf8')) as ConfigPatch;
  for (const [k, v] of Object.entries(patch)) cfg[k] = { ...cfg[k], ...v };
  writeFileSync(file, JSON.stringify(cfg, null, 2), { mode: 0o600 });
}

async function makeWorkspace(config: ConfigPatch): Promise<BenchWorkspace> {
  const root = mkdtempSync(join(tmpdir(), 'mam-bench-'));
  await initWorkspace({ root, namespace: 'bench', host: 'benchhost' });
  const env: NodeJS.ProcessEnv = { ...process.env, MAM_HOME: root };
  for (const k of Object.keys(env)) if (k.startsWith('MAM_') && k !== 'MAM_HOME') delete env[k];
  const ws: BenchWorkspace = {
    root,
    env,
    log: (name) => join(root, `${name}.log`),
    context: () => loadContext(root, env),
    cleanup: () => rmSync(root, { recursive: true, force: true }),
  };
  configure(ws, config);
  return ws;
}

/** A `mam` daemon as its own process, so it gets a core of its own; profiled under `node --cpu-prof` when asked. */
async function startDaemon(
  ws: BenchWorkspace,
  args: string[],
  ready: (line: string) => boolean,
  cpuProfDir: string | undefined,
  tag: string,
): Promise<Child> {
  const nodeArgs = cpuProfDir
    ? ['--cpu-prof', `--cpu-prof-dir=${cpuProfDir}`, `--cpu-prof-name=${tag}-${Date.now()}.cpuprofile`]
    : [];
  const { child } = await spawnNode(tag, [MAM_BIN, ...args], {
    env: ws.env,
    cwd: ws.root,
    logFile: ws.log(tag),
    nodeArgs,
    ready,
  });
  return child;
}

/**
 * Registers jobs through the operator's signed control.create with launch:
 * false (the path of `mam job create --no-launch`): each job waits in
 * `starting` for its agent's events, and no session is started.
 */
export async function createJobs(ctx: Context, ids: string[]): Promise<void> {
  const topic = topics.control(ctx.cfg.namespace, ctx.cfg.host);
  for (let i = 0; i < ids.length; i += 8) {
    await Promise.all(
      ids.slice(i, i + 8).map(async (job) => {
        const r = await emitEvent(
          operatorIdentity(ctx, job, 0),
          topic,
          'control.create',
          { agent: 'command', launch: false },
          { wait: true, timeoutMs: 15_000 },
        );
        if (!r.committed) throw new Error(`job ${job} was not committed by the reconciler`);
      }),
    );
  }
}

/** A workspace with its broker running, and everything a benchmark started in it. */
export interface Mesh {
  ws: BenchWorkspace;
  /** the workspace's context, loaded after the broker recorded its address */
  ctx: Context;
  broker: Child;
  /** starts a `mam reconcile`, its log ws.log(`${name}-${tag}`) and its profile named alike; stopped with the mesh */
  startReconciler(tag: string): Promise<Child>;
  /** runs `close` when the mesh is taken down, before the daemons stop */
  defer(close: () => Promise<void>): void;
}

/**
 * Runs `fn` against a fresh workspace and broker process, then stops what it
 * started, last first; a stop that fails never hides the others. After a
 * failed run the workspace stays, with the daemons' logs in it. With
 * cpuProfDir, every daemon runs under `node --cpu-prof` and writes its
 * profile there when it stops. Logs and profiles are named `${name}-<daemon>`.
 * `config` is merged into the workspace config before any daemon starts.
 */
export async function withMesh<T>(
  opts: { name: string; cpuProfDir?: string; config?: ConfigPatch },
  fn: (mesh: Mesh) => Promise<T>,
): Promise<T> {
  const ws = await makeWorkspace(opts.config ?? {});
  const closers: Array<() => Promise<void>> = [];
  let failed = true;
  try {
    // Port 0: the broker records where it listens in .mam/run/broker.json, where every client looks.
    const broker = await startDaemon(
      ws,
      ['broker', '--port', '0', '--json'],
      (l) => l.startsWith('{'),
      opts.cpuProfDir,
      `${opts.name}-broker`,
    );
    closers.push(() => broker.stop());
    const mesh: Mesh = {
      ws,
      ctx: ws.context(),
      broker,
      async startReconciler(tag) {
        const child = await startDaemon(
          ws,
          ['reconcile'],
          (l) => l.startsWith('reconciler for host'),
          opts.cpuProfDir,
          `${opts.name}-${tag}`,
        );
        closers.push(() => child.stop());
        return child;
      },
      defer: (close) => void closers.push(close),
    };
    const result = await fn(mesh);
    failed = false;
    return result;
  } finally {
    for (const close of closers.reverse()) await close().catch(() => undefined);
    if (failed) process.stderr.write(`bench: workspace kept for inspection: ${ws.root}\n`);
    else ws.cleanup();
  }
}

/** What a reconciler reports about itself in the line it logs when it closes. */
export interface ReconcilerStats {
  received: number;
  committed: number;
  duplicates: number;
  rejected: number;
  batches: number;
  sweeps: number;
  /** durations of the latest sweeps, newest last */
  sweepMs: number[];
}

/** The closing statistics from a reconciler's log; undefined when it did not close cleanly. */
export function closingStats(logFile: string): ReconcilerStats | undefined {
  const line = readFileSync(logFile, 'utf8')
    .split('\n')
    .reverse()
    .find((l) => l.includes('"msg":"closed"'));
  return line ? (JSON.parse(line) as { data: ReconcilerStats }).data : undefined;
}
