/**
 * Issue 11 item 10: concurrent launches on one repository raced in
 * `git worktree add`/`prune` (".git/worktrees/<other job>/commondir" read
 * half-made). 200 prepareWorktree calls at once — the launch step that runs
 * git — and then 200 removals must all succeed. Whole launches are left
 * out: 200 sessions at once are too slow for a 2-core CI runner, and the
 * race lies in this step alone.
 */
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Context } from '../../core/context.js';
import { prepareWorktree, removeWorktree } from '../../subscriber/worktrees.js';
import { makeWorkspace, type TestWorkspace } from '../helpers/workspace.js';
import { git, makeRepo } from '../helpers/host/index.js';

const N = 200;

describe(`${N} concurrent worktrees on one repository`, () => {
  let tw: TestWorkspace;
  let ctx: Context;
  let repo: string;
  beforeAll(async () => {
    tw = await makeWorkspace({ namespace: 'race' });
    ctx = tw.context();
    repo = makeRepo();
  });
  afterAll(() => {
    tw?.cleanup();
    if (repo) rmSync(repo, { recursive: true, force: true });
  });

  it('are all added, then all removed, without one git failure', { timeout: 240_000 }, async () => {
    const jobs = Array.from({ length: N }, (_, i) => `race-${i}`);
    // Half are resumes (their branch kept, their worktree gone): `add` then checks every other worktree's entry.
    for (const job of jobs.filter((_, i) => i % 2)) git(repo, 'branch', `mam/${job}`);
    const added = await Promise.allSettled(jobs.map((job) => prepareWorktree(ctx, job, repo, true)));
    const failed = added.flatMap((r, i) =>
      r.status === 'rejected' ? [`${jobs[i]}: ${(r.reason as Error).message}`] : [],
    );
    expect(failed, failed.slice(0, 3).join('\n')).toEqual([]);
    const listed = git(repo, 'worktree', 'list', '--porcelain');
    for (const job of jobs) expect(listed).toContain(`worktree ${join(ctx.ws.worktreesDir, job)}\n`);

    const removed = await Promise.all(
      jobs.map((job) => removeWorktree(join(ctx.ws.worktreesDir, job), { force: false })),
    );
    expect(removed.filter((r) => !r.removed)).toEqual([]);
    expect(
      git(repo, 'worktree', 'list', '--porcelain')
        .split('\n')
        .filter((l) => l.startsWith('worktree ')),
    ).toEqual([`worktree ${repo}`]);
    expect(jobs.filter((job) => existsSync(join(ctx.ws.worktreesDir, job)))).toEqual([]);
  });
});
