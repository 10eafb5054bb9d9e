import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { DRIVE_TIMES_FILE } from '../agents/readiness/drive-agent.js';
import { HOLD_READY_MS } from '../agents/readiness/wait-ready.js';
import { PINNED, realCliEntry, realCliHome, writeCliWrapper } from '../agents/real-clis/real-cli-env.js';
import { emitEvent } from '../broker/emitter/emit-event.js';
import type { Context } from '../core/context.js';
import { topics } from '../core/topics.js';
import { operatorIdentity } from '../subscriber/operator-identity.js';
import { logRecord, sessionEnded } from './adapter-overhead.js';
import { figure, type Benchmark, type Figure } from './benchmark.js';
import { withMesh, type Mesh } from './setup.js';
import { median, percentile } from './stats.js';

const NAME = 'adapter-overhead-real';
const CLIS = ['claude', 'gemini', 'codex'] as const;
/** Codex never completes offline: its job ends at this timeout, so the next run starts on a quiet machine. */
const CODEX_TIMEOUT_MS = 20_000;

interface Run {
  /** create → session started, plus first ready screen → prompt confirmed: mam's part */
  overheadMs: number;
  /** session started → the CLI's first ready screen (its dialogs answered on the way): the CLI's part */
  ownMs: number;
}

/** Every installed pinned CLI, each from a throwaway home of its own, as test/agents-real runs them. */
function useRealClis(mesh: Mesh): string[] {
  const file = join(mesh.ws.root, '.mam', 'config.json');
  const cfg = JSON.parse(readFileSync(file, 'utf8')) as Record<string, Record<string, unknown>>;
  const present = CLIS.filter((c) => realCliEntry(c));
  const agents: Record<string, unknown> = {};
  for (const cli of present) {
    const home = join(mesh.ws.root, 'homes', cli);
    // Bound back into the sandbox, which covers /tmp where the bench workspace lives.
    const binds = [
      { path: home, mode: 'rw' },
      { path: join(mesh.ws.root, 'bin'), mode: 'ro' },
    ];
    agents[cli] = {
      bin: writeCliWrapper(join(mesh.ws.root, 'bin'), cli, realCliEntry(cli)!),
      env: realCliHome(cli, home),
      binds,
      readyTimeoutMs: 60_000,
    };
  }
  cfg.agents = { ...cfg.agents, ...agents };
  cfg.sessions = { ...cfg.sessions, killGraceMs: 1000 };
  writeFileSync(file, JSON.stringify(cfg, null, 2), { mode: 0o600 });
  const socket = mesh.ctx.cfg.sessions.tmuxSocket;
  mesh.defer(async () => void (await execa('tmux', ['-L', socket, 'kill-server'], { reject: false, stdin: 'ignore' })));
  return present;
}

async function oneRun(mesh: Mesh, ctx: Context, logFile: string, cli: string, id: string): Promise<Run> {
  const workdir = join(mesh.ws.root, 'work', id);
  mkdirSync(workdir, { recursive: true });
  const body = {
    agent: cli,
    workdir,
    prompt: 'write hello to result.txt',
    backend: 'tmux',
    worktree: false,
    ...(cli === 'codex' ? { timeoutMs: CODEX_TIMEOUT_MS } : {}),
  };
  const t0 = Date.now();
  const r = await emitEvent(
    operatorIdentity(ctx, id, 0),
    topics.control(ctx.cfg.namespace, ctx.cfg.host),
    'control.create',
    body,
    { wait: true, timeoutMs: 30_000 },
  );
  if (!r.committed) throw new Error(`job ${id} was not committed by the reconciler`);
  const rec = await logRecord(logFile, id, ['agent driven', 'agent not driven'], 90_000);
  if (rec.msg !== 'agent driven') throw new Error(`${id}: ${JSON.stringify(rec.data)}`);
  const launched = Date.parse((await logRecord(logFile, id, ['session launched'], 1000)).t);
  const times = JSON.parse(readFileSync(join(ctx.ws.jobDir(id), DRIVE_TIMES_FILE), 'utf8')) as {
    firstReadyAt: number;
    confirmedAt: number;
  };
  await sessionEnded(ctx, id, 90_000);
  return { overheadMs: launched - t0 + (times.confirmedAt - times.firstReadyAt), ownMs: times.firstReadyAt - launched };
}

/**
 * Issue #13: the adapter-overhead of the pinned real CLIs, offline, in tmux:
 * create → prompt confirmed, minus the CLI's own time from its start to its
 * first ready screen (the dialogs it shows before are answered inside that
 * time). What is left: the create round trip and the launch, the hold that
 * makes sure the ready screen is not covered by a late dialog, and typing and
 * confirming the prompt.
 */
export const adapterOverheadReal: Benchmark = {
  name: NAME,
  issue: '#13',
  describe:
    "job create → prompt confirmed on the pinned real CLIs (tmux, offline), minus each CLI's own time to its first ready screen",
  run: (opts) =>
    withMesh({ name: NAME, cpuProfDir: opts.cpuProfDir, config: opts.config }, async (mesh) => {
      const runs = opts.quick ? 3 : 5;
      const present = useRealClis(mesh);
      await mesh.startReconciler('reconciler');
      const ctx = mesh.ws.context();
      const logFile = mesh.ws.log(`${NAME}-reconciler`);
      const goal = { op: '<=' as const, value: 200 };
      const figures: Figure[] = [];
      for (const cli of present) {
        const version = PINNED[cli]!.version;
        // One untimed run: the first answers the first-run dialogs a home keeps (Claude's API key).
        await oneRun(mesh, ctx, logFile, cli, `${cli}-warm`);
        const xs: Run[] = [];
        for (let i = 0; i < runs; i++) xs.push(await oneRun(mesh, ctx, logFile, cli, `${cli}-${i}`));
        const overhead = xs.map((x) => x.overheadMs);
        opts.log(
          `  ${cli}@${version} overhead: ${overhead.join(' ')}; own start to ready: ${xs.map((x) => x.ownMs).join(' ')}`,
        );
        const note = `${runs} runs, tmux, one at a time; includes the ${HOLD_READY_MS} ms ready hold`;
        figures.push(
          figure(NAME, `${cli}@${version}: CLI start → first ready screen p50`, median(xs.map((x) => x.ownMs)), 'ms', {
            note,
          }),
          figure(NAME, `${cli}@${version}: create → prompt confirmed, minus CLI start-up p50`, median(overhead), 'ms', {
            goal,
            note,
          }),
          figure(
            NAME,
            `${cli}@${version}: create → prompt confirmed, minus CLI start-up p95`,
            percentile(overhead, 95),
            'ms',
            { goal, note },
          ),
          figure(NAME, `${cli}@${version}: same, without the ready hold p50`, median(overhead) - HOLD_READY_MS, 'ms', {
            note,
          }),
        );
      }
      return figures;
    }),
};
