import { execa } from 'execa';
import { MamError } from '../../core/errors.js';

async function git(cwd: string, ...args: string[]): Promise<{ ok: boolean; out: string; err: string }> {
  const r = await execa('git', ['-C', cwd, ...args], { reject: false, timeout: 60_000, stdin: 'ignore' });
  return { ok: r.exitCode === 0, out: String(r.stdout).trim(), err: String(r.stderr).trim() };
}

/** Which of `branches` exist in the repository (a predecessor that ran without a worktree has none). */
export async function existingBranches(repo: string, branches: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const b of branches)
    if ((await git(repo, 'rev-parse', '--verify', '--quiet', `refs/heads/${b}`)).ok) out.push(b);
  return out;
}

/**
 * A step's handoff: its new worktree at `path` (branch checked out from the first predecessor's
 * branch) gets the other predecessors' branches merged in, in order. A conflict leaves nothing
 * half-merged: the merge is aborted and the error names the conflicting paths. Returns the commit
 * the step starts from, what its own changes are measured against.
 */
export async function mergePredecessors(path: string, others: string[]): Promise<string> {
  for (const b of others) {
    const m = await git(
      path,
      '-c',
      'user.name=mam',
      '-c',
      'user.email=mam@localhost',
      'merge',
      '--no-edit',
      '--no-ff',
      b,
    );
    if (!m.ok) {
      const conflicted = (await git(path, 'diff', '--name-only', '--diff-filter=U')).out.split('\n').filter(Boolean);
      await git(path, 'merge', '--abort');
      throw new MamError(
        'HANDOFF_CONFLICT',
        conflicted.length
          ? `merging ${b} into the step's worktree conflicts in: ${conflicted.join(', ')}`
          : `merging ${b} into the step's worktree failed: ${m.err.split('\n')[0]}`,
        { hint: "merge it into the first predecessor's branch and commit, then `mam job resume` the step's job" },
      );
    }
  }
  return (await git(path, 'rev-parse', 'HEAD')).out;
}

/** How long a step waits for a predecessor's branch to reach the remote: its host pushes it when that job is done. */
export const HANDOFF_FETCH_WAIT_MS = 60_000;

/**
 * A step on another host than its predecessors: the `from` branches this repository lacks are
 * fetched from the run's remote (never over a branch it has: a predecessor of this host has its
 * own). A branch not there yet is asked for again until `waitMs` has passed — its host pushes it
 * once its job is done, and this create may have come first — then the step is blocked naming it.
 */
export async function fetchPredecessors(
  repo: string,
  remote: string,
  branches: string[],
  waitMs = HANDOFF_FETCH_WAIT_MS,
): Promise<void> {
  // Only job branches, as the create's schema allows: nothing else is ever fetched over this repository's refs.
  const jobBranches = branches.filter((b) => /^mam\/[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/.test(b));
  const deadline = Date.now() + waitMs;
  for (const b of jobBranches) {
    if ((await git(repo, 'rev-parse', '--verify', '--quiet', `refs/heads/${b}`)).ok) continue;
    for (let pause = 250; ; pause = Math.min(pause * 2, 4000)) {
      // `--` ends the options: the remote comes from a signed create, and is matched by its schema too.
      const f = await git(repo, 'fetch', '--no-tags', '--quiet', '--', remote, `refs/heads/${b}:refs/heads/${b}`);
      if (f.ok) break;
      if (Date.now() + pause > deadline)
        throw new MamError(
          'HANDOFF_MISSING',
          `the predecessor branch ${b} is not on the remote ${remote}: ${f.err.split('\n').at(-1) ?? ''}`,
          {
            hint: `its host pushes it there when its job is done; push it (git push ${remote} ${b}), then \`mam job resume\` the step's job`,
          },
        );
      await new Promise((r) => setTimeout(r, pause));
    }
  }
}
