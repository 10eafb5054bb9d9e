import {
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join, relative, sep } from 'node:path';
import { execa } from 'execa';
import type { Config } from '../core/config.js';
import type { Context } from '../core/context.js';
import { MamError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { ID_PATTERN } from '../core/topics.js';
import type { Workspace } from '../core/workspace.js';
import type { Registry } from './registry/registry.js';
import { isTerminal, type JobState } from './state-machine.js';
import { withWorktreeLock } from './worktree-lock.js';
import { existingBranches, fetchPredecessors, mergePredecessors } from './workflows/handoff-branches.js';

/** What .mam/jobs/<job>/worktree.json records of a job's worktree. */
export interface JobWorktree {
  /** top level of the repository the job's workdir is in */
  repo: string;
  path: string;
  branch: string;
  /** the commit the branch started from: what `git:commit` is measured against, across resumes */
  base: string;
}

async function git(cwd: string, ...args: string[]): Promise<{ ok: boolean; out: string; err: string }> {
  const r = await execa('git', ['-C', cwd, ...args], { reject: false, timeout: 30_000, stdin: 'ignore' });
  return { ok: r.exitCode === 0, out: String(r.stdout).trim(), err: String(r.stderr).trim() };
}

const metaFile = (ws: Workspace, job: string) => join(ws.jobDir(job), 'worktree.json');

export function readWorktreeMeta(ws: Workspace, job: string): JobWorktree | undefined {
  try {
    return JSON.parse(readFileSync(metaFile(ws, job), 'utf8')) as JobWorktree;
  } catch {
    return undefined;
  }
}

/**
 * The job's own worktree, when it gets one: asked for (`want` true), or by
 * default (`want` undefined) when worktrees are enabled and the workdir is in a
 * git repository with a commit. Branch mam/<job> starts at the workdir's HEAD;
 * a resume reuses the worktree, or re-adds it from the kept branch. Returns the
 * session's cwd (the workdir's place inside the worktree) and the base commit.
 */
export async function prepareWorktree(
  ctx: Context,
  job: string,
  workdir: string,
  want?: boolean,
  from: string[] = [],
  remote?: string,
): Promise<{ cwd: string; base: string } | undefined> {
  if (want === false || (want === undefined && !ctx.cfg.worktrees.enabled)) return undefined;
  const where = await git(workdir, 'rev-parse', '--path-format=absolute', '--show-toplevel', '--git-common-dir');
  const [topDir, commonDir] = where.out.split('\n');
  const top = { ok: where.ok && !!topDir && !!commonDir, out: topDir ?? '' };
  const head = top.ok ? await git(workdir, 'rev-parse', '--verify', '--quiet', 'HEAD') : undefined;
  if (!top.ok || !head?.ok) {
    if (!want) return undefined;
    throw new MamError(
      'SESSION',
      `job ${job} asked for a worktree, but ${workdir} is not in a git repository with a commit`,
      { hint: 'commit something first, or create the job with --no-worktree' },
    );
  }
  const path = join(ctx.ws.worktreesDir, job);
  const branch = `mam/${job}`;
  const meta = readWorktreeMeta(ctx.ws, job);
  let handoffBase: string | undefined;
  if (!existsSync(join(path, '.git'))) {
    // Outside the lock: the wait for a branch another host is still pushing holds up no other job's worktree.
    if (remote && from.length) await fetchPredecessors(top.out, remote, from);
    await withWorktreeLock(commonDir!, async () => {
      // A worktree folder deleted by hand is still registered: prune, or `add` refuses the path.
      await git(top.out, 'worktree', 'prune');
      const hasBranch = (await git(top.out, 'rev-parse', '--verify', '--quiet', `refs/heads/${branch}`)).ok;
      // A workflow step starts from its predecessors' branches (docs/WORKFLOWS.md, Handoffs).
      const preds = hasBranch ? [] : await existingBranches(top.out, from);
      const start = preds[0] ?? head.out;
      const add = hasBranch ? ['worktree', 'add', path, branch] : ['worktree', 'add', '-b', branch, path, start];
      const r = await git(top.out, ...add);
      if (!r.ok)
        throw new MamError('SESSION', `git worktree add for job ${job} failed: ${r.err}`, {
          hint: `see \`git -C ${top.out} worktree list\``,
        });
      if (preds.length)
        handoffBase = await mergePredecessors(path, preds.slice(1)).catch(async (err: unknown) => {
          // Gone again, so that a retry makes the handoff afresh instead of reusing a half-made branch.
          await git(top.out, 'worktree', 'remove', '--force', path);
          await git(top.out, 'branch', '-D', branch);
          throw err;
        });
    });
  }
  const info: JobWorktree = { repo: top.out, path, branch, base: meta?.base ?? handoffBase ?? head.out };
  mkdirSync(ctx.ws.jobDir(job), { recursive: true, mode: 0o700 });
  writeFileSync(metaFile(ctx.ws, job), JSON.stringify(info, null, 2), { mode: 0o600 });
  // The workdir's place in the worktree; a folder with nothing committed in it does not exist there yet.
  const cwd = join(path, relative(top.out, realpathSync(workdir)));
  mkdirSync(cwd, { recursive: true });
  return { cwd, base: info.base };
}

/** Why a worktree goes, or undefined to keep it. `gc` frees every ended job's; the sweep follows the policy. */
export function removalReason(
  state: JobState | undefined,
  policy: Config['worktrees']['removeOnEnd'],
  mode: 'sweep' | 'gc',
): string | undefined {
  if (state === undefined) return 'orphan: no such job in the registry';
  if (mode === 'gc') return isTerminal(state) || state === 'lost' ? `job ${state}` : undefined;
  if (policy === 'always' && isTerminal(state)) return `job ${state} (policy always)`;
  if (policy === 'on-success' && state === 'done') return 'job done (policy on-success)';
  return undefined;
}

export interface WorktreeCandidate {
  job: string;
  path: string;
  why: string;
}

/** The folders under .mam/worktrees/ that may go now: never one of a job with a live session. */
export function worktreeCandidates(
  ws: Workspace,
  reg: Registry,
  cfg: Config,
  mode: 'sweep' | 'gc',
): WorktreeCandidate[] {
  let names: string[];
  try {
    names = readdirSync(ws.worktreesDir).filter((n) => ID_PATTERN.test(n));
  } catch {
    return [];
  }
  const live = reg.liveSessionJobs();
  const out: WorktreeCandidate[] = [];
  for (const job of names) {
    if (live.has(job)) continue;
    const why = removalReason(reg.getJob(job)?.state, cfg.worktrees.removeOnEnd, mode);
    if (why) out.push({ job, path: join(ws.worktreesDir, job), why });
  }
  return out;
}

/** Pids whose working directory is inside `dir` (Linux /proc; elsewhere none are found). */
function processesInside(dir: string): number[] {
  if (!existsSync('/proc/self/cwd')) return [];
  const pids: number[] = [];
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    try {
      const cwd = readlinkSync(`/proc/${p}/cwd`);
      if (cwd === dir || cwd.startsWith(dir + sep)) pids.push(Number(p));
    } catch {
      // not ours to read, or gone
    }
  }
  return pids;
}

export type RemoveResult = { removed: true } | { removed: false; why: string };

/**
 * Removes one worktree; its branch stays, so its commits survive. Without
 * `force`, a worktree with uncommitted changes is kept and the caller says so.
 */
export async function removeWorktree(path: string, opts: { force: boolean }): Promise<RemoveResult> {
  if (!existsSync(path)) return { removed: false, why: 'already gone' };
  const real = realpathSync(path);
  // Even gc leaves a folder a process works in (an orphan session left running): force is about changes, not processes.
  const busy = processesInside(real);
  if (busy.length) return { removed: false, why: `in use by pid ${busy.join(', ')}` };
  const info = await git(path, 'rev-parse', '--path-format=absolute', '--git-common-dir', '--show-toplevel');
  const [common, top] = info.out.split('\n');
  // A folder git does not know as this worktree (a broken .git file) is just a folder: delete it below.
  if (info.ok && top === real) {
    const refused = await withWorktreeLock(common!, async () => {
      const r = await git(common!, 'worktree', 'remove', ...(opts.force ? ['--force'] : []), real);
      if (!r.ok && !opts.force) return `git refused: ${r.err.split('\n')[0]}`;
      await git(common!, 'worktree', 'prune');
      return undefined;
    });
    if (refused) return { removed: false, why: refused };
  }
  rmSync(path, { recursive: true, force: true });
  return { removed: true };
}

/**
 * The sweep's share: removes the worktrees the policy lets go and those of
 * jobs the registry no longer has (after a crash), never discarding
 * uncommitted changes. A refusal is logged once and retried a minute later.
 */
export function createWorktreeSweeper(ctx: Context, log: Logger) {
  const refused = new Map<string, { why: string; at: number }>();
  // One pass at a time: the periodic sweep and a job's end must not remove the same worktree twice.
  let running: Promise<void> = Promise.resolve();
  const pass = async (reg: Registry, only?: string): Promise<void> => {
    for (const c of worktreeCandidates(ctx.ws, reg, ctx.cfg, 'sweep')) {
      const last = refused.get(c.job);
      if ((only && c.job !== only) || (last && Date.now() - last.at < 60_000)) continue;
      const r = await removeWorktree(c.path, { force: false });
      if (r.removed) {
        refused.delete(c.job);
        log.info('worktree removed; branch kept', { job: c.job, path: c.path, branch: `mam/${c.job}`, why: c.why });
        continue;
      }
      if (last?.why !== r.why)
        log.warn('worktree kept (`mam gc` removes it)', { job: c.job, path: c.path, why: r.why });
      refused.set(c.job, { why: r.why, at: Date.now() });
    }
  };
  return (reg: Registry, only?: string): Promise<void> =>
    (running = running
      .then(() => pass(reg, only))
      .catch((err: Error) => log.warn('worktree sweep failed', { error: err.message })));
}

/** Disk a folder takes, symlinks not followed. */
export function diskBytes(path: string): number {
  let total = 0;
  const stack = [path];
  while (stack.length) {
    const p = stack.pop()!;
    let st;
    try {
      st = lstatSync(p);
    } catch {
      continue;
    }
    if (st.isDirectory()) for (const n of readdirSync(p)) stack.push(join(p, n));
    else total += st.size;
  }
  return total;
}
