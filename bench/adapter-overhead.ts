import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import { emitEvent } from '../broker/emitter/emit-event.js';
import type { Context } from '../core/context.js';
import { packageRoot } from '../core/package-root.js';
import { topics } from '../core/topics.js';
import { ENTER_WINDOWS_MS } from '../agents/readiness/submit-prompt.js';
import { operatorIdentity } from '../subscriber/operator-identity.js';
import { openRegistry } from '../subscriber/registry/registry.js';
import { figure, type Benchmark, type Figure } from './benchmark.js';
import { withMesh, type Mesh } from './setup.js';
import { median, percentile } from './stats.js';

const NAME = 'adapter-overhead';
const FAKE = join(packageRoot(), 'test', 'fixtures', 'fake-codex.mjs');

interface Run {
  /** control.create sent → the reconciler logged the prompt confirmed */
  totalMs: number;
  /** the fake's own start-up: process start → its first screen */
  ownMs: number;
  /** control.create sent → the session started (the rest is the probe and the prompt) */
  launchMs: number;
  /** the fake's first screen (its trust dialog) → the prompt confirmed: the probe's own part */
  probeMs: number;
}

/** The reconciler's log record for `job` whose msg is one of `msgs`; polls the log file. */
export async function logRecord(
  file: string,
  job: string,
  msgs: string[],
  timeoutMs: number,
): Promise<{ t: string; msg: string; data: Record<string, unknown> }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      if (!line.includes(job)) continue;
      const rec = JSON.parse(line) as { t: string; msg: string; data: Record<string, unknown> };
      if (msgs.includes(rec.msg) && rec.data?.job === job) return rec;
    }
    if (Date.now() > deadline) throw new Error(`${job}: no ${msgs.join('/')} in ${file} after ${timeoutMs} ms`);
    await sleep(20);
  }
}

/**
 * Points agents.codex at the fake and sets the isolation before the reconciler
 * reads the config; the workspace's tmux server goes at teardown.
 */
function useFakeCodex(mesh: Mesh, isolation: Isolation): void {
  const file = join(mesh.ws.root, '.mam', 'config.json');
  const cfg = JSON.parse(readFileSync(file, 'utf8')) as Record<string, Record<string, unknown>>;
  cfg.agents = { ...cfg.agents, codex: { bin: FAKE, readyTimeoutMs: 30_000 } };
  cfg.sessions = { ...cfg.sessions, killGraceMs: 1000, isolation };
  writeFileSync(file, JSON.stringify(cfg, null, 2), { mode: 0o600 });
  const socket = mesh.ctx.cfg.sessions.tmuxSocket;
  mesh.defer(async () => void (await execa('tmux', ['-L', socket, 'kill-server'], { reject: false, stdin: 'ignore' })));
}

export async function sessionEnded(ctx: Context, id: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const reg = openRegistry(ctx.ws.db, { readonly: true });
    const ended = reg.getSession(id, 1)?.ended_at;
    reg.close();
    if (ended) return;
    if (Date.now() > deadline) throw new Error(`${id}: session not ended after ${timeoutMs} ms`);
    await sleep(50);
  }
}

/**
 * One job on the fake Codex CLI (trust dialog to answer, prompt pasted and
 * confirmed), started the way `mam job create` starts one. Runs one at a
 * time: each waits for its session to end before the next.
 */
async function oneRun(
  mesh: Mesh,
  ctx: Context,
  logFile: string,
  id: string,
  dropEnters: number,
  backend: 'tmux' | 'pty',
): Promise<Run> {
  const workdir = join(mesh.ws.root, 'work', id);
  mkdirSync(workdir, { recursive: true });
  const times = join(workdir, 'fake-times.json');
  writeFileSync(
    join(workdir, '.fake.json'),
    JSON.stringify({
      FAKE_START_MS: '200',
      FAKE_WORK_MS: '50',
      FAKE_DROP_ENTERS: String(dropEnters),
      FAKE_TIMES_FILE: times,
    }),
  );
  const body = { agent: 'codex', workdir, prompt: `benchmark run ${id}: add a --json flag`, backend, worktree: false };
  const t0 = Date.now();
  const r = await emitEvent(
    operatorIdentity(ctx, id, 0),
    topics.control(ctx.cfg.namespace, ctx.cfg.host),
    'control.create',
    body,
    { wait: true, timeoutMs: 30_000 },
  );
  if (!r.committed) throw new Error(`job ${id} was not committed by the reconciler`);
  const rec = await logRecord(logFile, id, ['agent driven', 'agent not driven'], 60_000);
  if (rec.msg !== 'agent driven') throw new Error(`${id}: ${JSON.stringify(rec.data)}`);
  const launched = await logRecord(logFile, id, ['session launched'], 1000);
  const fake = JSON.parse(readFileSync(times, 'utf8')) as { origin: number; firstScreenAt: number };
  await sessionEnded(ctx, id, 60_000);
  return {
    totalMs: Date.parse(rec.t) - t0,
    ownMs: Math.round(fake.firstScreenAt - fake.origin),
    launchMs: Date.parse(launched.t) - t0,
    probeMs: Date.parse(rec.t) - fake.firstScreenAt,
  };
}

type Isolation = 'none' | 'bwrap';

/** One workspace of the comparison: its reconciler runs every session under `isolation`. */
interface Side {
  isolation: Isolation;
  mesh: Mesh;
  ctx: Context;
  logFile: string;
}

async function startSide(mesh: Mesh, isolation: Isolation): Promise<Side> {
  useFakeCodex(mesh, isolation);
  await mesh.startReconciler('reconciler');
  const side = { isolation, mesh, ctx: mesh.ws.context(), logFile: mesh.ws.log(`${NAME}-${isolation}-reconciler`) };
  // One untimed run: the first session pays for a cold tmux server and cold caches.
  await oneRun(mesh, side.ctx, side.logFile, `warm-${isolation}`, 0, 'tmux');
  return side;
}

/**
 * Issue #5: create → prompt submitted and confirmed, minus the fake agent's
 * own start-up time; what is left is mam's overhead: the create round trip,
 * launching the session, the readiness probe answering the trust dialog,
 * typing and confirming the prompt. A real `mam reconcile` owns the sessions.
 */
export const adapterOverhead: Benchmark = {
  name: NAME,
  issue: '#5',
  describe:
    "job create → prompt confirmed on a fake Codex CLI (trust dialog, pasted prompt), tmux and pty, without and with the bubblewrap sandbox, minus the fake's own start-up",
  run: (opts) => {
    const mesh = (isolation: Isolation, fn: (m: Mesh) => Promise<Figure[]>) =>
      withMesh({ name: `${NAME}-${isolation}`, cpuProfDir: opts.cpuProfDir, config: opts.config }, fn);
    // Two workspaces, one per isolation (a reconciler reads it at start), their runs interleaved so load on the machine
    // falls on both alike.
    return mesh('none', (a) =>
      mesh('bwrap', async (b) => {
        const sides = [await startSide(a, 'none'), await startSide(b, 'bwrap')];
        const runs = opts.quick ? 5 : 20;
        const goal = { op: '<=' as const, value: 200 };
        const note = `${runs} runs, one at a time, alternating with the other isolation`;
        const figures: Figure[] = [];
        const overhead = (xs: Run[]) => xs.map((x) => x.totalMs - x.ownMs);
        for (const backend of ['tmux', 'pty'] as const) {
          const clean = new Map<Side, Run[]>(sides.map((side) => [side, []]));
          for (let i = 0; i < runs; i++) {
            // Each goes first every other time.
            for (const side of i % 2 ? [...sides].reverse() : sides) {
              clean
                .get(side)!
                .push(await oneRun(side.mesh, side.ctx, side.logFile, `${side.isolation}-${backend}-${i}`, 0, backend));
            }
          }
          for (const side of sides) {
            const xs = clean.get(side)!;
            const label = `${backend}, isolation ${side.isolation}`;
            opts.log(`  ${label} overhead:      ${overhead(xs).join(' ')}`);
            opts.log(`  ${label} fake start-up: ${xs.map((x) => x.ownMs).join(' ')}`);
            opts.log(`  ${label} create → launched: ${xs.map((x) => x.launchMs).join(' ')}`);
            opts.log(`  ${label} first screen → confirmed: ${xs.map((x) => x.probeMs).join(' ')}`);
            figures.push(
              figure(NAME, `${label}: of which create → session started p50`, median(xs.map((x) => x.launchMs)), 'ms', {
                note,
              }),
              figure(
                NAME,
                `${label}: of which first screen → prompt confirmed p50`,
                median(xs.map((x) => x.probeMs)),
                'ms',
                { note },
              ),
              figure(NAME, `${label}: fake's own start-up p50`, median(xs.map((x) => x.ownMs)), 'ms', { note }),
              figure(
                NAME,
                `${label}: create → prompt confirmed, minus agent start-up p50`,
                median(overhead(xs)),
                'ms',
                { goal, note },
              ),
              figure(
                NAME,
                `${label}: create → prompt confirmed, minus agent start-up p95`,
                percentile(overhead(xs), 95),
                'ms',
                { goal, note },
              ),
            );
          }
        }
        const bwrap = sides[1]!;
        const dropped: Run[] = [];
        for (let i = 0; i < Math.max(3, runs / 4); i++)
          dropped.push(await oneRun(bwrap.mesh, bwrap.ctx, bwrap.logFile, `drop-${i}`, 1, 'tmux'));
        opts.log(`  tmux, dropped Enter: ${overhead(dropped).join(' ')}`);
        const dropNote = `${dropped.length} runs; includes the ${ENTER_WINDOWS_MS[0]} ms wait before the Enter is repeated`;
        figures.push(
          figure(
            NAME,
            'tmux, isolation bwrap: same, first Enter dropped by the agent p50',
            median(overhead(dropped)),
            'ms',
            { note: dropNote },
          ),
        );
        return figures;
      }),
    );
  },
};
