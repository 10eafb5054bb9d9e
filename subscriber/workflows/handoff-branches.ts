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
