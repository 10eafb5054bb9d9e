import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { chooseBackend, type BackendPreference } from '../../agents/choose-backend.js';
import { loadContext } from '../../core/context.js';
import { initWorkspace } from '../../core/init-workspace.js';
import { findRoot, workspaceAt } from '../../core/workspace.js';
import { parseFlags, usage } from '../args.js';
import { makeDemoRepo } from '../demo/demo-repo.js';
import { streamRun } from '../demo/demo-stream.js';
import { summarize, summaryTable } from '../demo/demo-summary.js';
import type { Io } from '../io.js';
import { readRegistryIfAny } from '../open-registry.js';
import { down } from './down.js';
import { sendRunCommand } from './run.js';
import { up } from './up.js';

export async function run(argv: string[], io: Io): Promise<number> {
  const { values } = parseFlags('demo', argv, { backend: { type: 'string' }, keep: { type: 'boolean' } }, false);
  const pref = (values.backend ?? 'auto') as BackendPreference;
  if (!['auto', 'tmux', 'pty'].includes(pref)) throw usage('demo', '--backend is auto, tmux or pty');
  const root = findRoot(io.cwd, io.env);
  if (!existsSync(workspaceAt(root).config)) {
    await initWorkspace({ root });
    io.out(`initialised workspace ${workspaceAt(root).dir}\n`);
  }
  const chosen = await chooseBackend(pref);
  io.out(`session backend: ${chosen.backend.name} (${chosen.reason})\n`);
  const daemons = await up(io);
  try {
    return await demoRun(io, chosen.backend.name);
  } finally {
    if (!values.keep && (daemons.reconciler.started || daemons.broker?.started)) await down(io);
  }
}

const ENDED = new Set(['done', 'failed', 'stopped']);

/**
 * The demo run: a workflow of scripted agents in a fresh git repository (cli/demo/demo-repo.ts),
 * started with the signed run.start `mam run` sends; every event and state of its jobs is
 * printed as it is verified, and a table of its steps, attempts and durations ends it.
 */
async function demoRun(io: Io, backend: string): Promise<number> {
  const ctx = loadContext(io.cwd, io.env);
  const { repo, file, workflow } = makeDemoRepo(backend);
  const id = `demo-${randomBytes(4).toString('hex')}`;
  io.out(`workflow ${file} (agents in ${repo}/agents)\n`);
  io.out(`run ${id}: plan → implement alpha and beta in parallel (gate, review, rework) → merge\n`);
  const stream = await streamRun(ctx, io, id);
  const t0 = Date.now();
  let state: string | undefined;
  try {
    if (!(await sendRunCommand(io, ctx, id, 'run.start', { id, file, workflow, workdir: repo }))) return 1;
    const deadline = Date.now() + 90_000;
    // The run has ended and every session of it has been ended by mam (after its verified end).
    const finished = () =>
      readRegistryIfAny(ctx, undefined, (reg) => {
        const run = reg.getRun(id);
        if (!run || !ENDED.has(run.state)) return undefined;
        return summarize(reg, id, {}).every((r) => r.ended) ? run.state : undefined;
      });
    while (!(state = finished()) && Date.now() < deadline && !io.signal.aborted) await sleep(250);
  } finally {
    await stream.close();
  }
  const { run, rows } = readRegistryIfAny(ctx, { run: undefined, rows: [] }, (reg) => ({
    run: reg.getRun(id),
    rows: summarize(reg, id, { 0: 'alpha', 1: 'beta' }),
  }));
  io.out(`\n${summaryTable(rows)}\n\n`);
  if (state !== 'done') {
    io.err(
      `demo failed: run ${id} is ${run?.state ?? 'unknown'}${run?.reason ? ` (${run.reason})` : ''}\n  hint: \`mam run show ${id}\` and .mam/run/reconciler.log tell why\n`,
    );
    return 1;
  }
  const merged = execFileSync('git', ['-C', repo, 'log', '--oneline', '-1', `mam/${rows.at(-1)!.job}`], {
    encoding: 'utf8',
  }).trim();
  io.out(
    `run ${id} done in ${((Date.now() - t0) / 1000).toFixed(1)} s: ${rows.length} jobs, every session ended by mam after its verified end\n`,
  );
  io.out(`  the merge's branch mam/${rows.at(-1)!.job}: ${merged}\n`);
  io.out(`done. Inspect it with: mam run show ${id}\n`);
  return 0;
}
