import { join } from 'node:path';
import lockfile from 'proper-lockfile';
import { MamError } from '../core/errors.js';

/**
 * Runs `fn` while holding the repository's worktree lock. `git worktree add`
 * and `prune` read and rewrite `.git/worktrees/` as a whole: two at once on
 * one repository can see each other's half-made entry and fail ("failed to
 * read .git/worktrees/<job>/commondir"). Calls in this process queue on a
 * promise (no polling); other processes (`mam gc`, a second reconciler)
 * meet the lock file in the repository's common git folder.
 */
const queues = new Map<string, Promise<unknown>>();

export async function withWorktreeLock<T>(gitCommonDir: string, fn: () => Promise<T>): Promise<T> {
  const before = queues.get(gitCommonDir) ?? Promise.resolve();
  const mine = before.catch(() => {}).then(() => underFileLock(gitCommonDir, fn));
  queues.set(gitCommonDir, mine);
  try {
    return await mine;
  } finally {
    // The last one out leaves no entry behind: the map holds only repositories in use.
    if (queues.get(gitCommonDir) === mine) queues.delete(gitCommonDir);
  }
}

async function underFileLock<T>(gitCommonDir: string, fn: () => Promise<T>): Promise<T> {
  let release: () => Promise<void>;
  try {
    release = await lockfile.lock(gitCommonDir, {
      lockfilePath: join(gitCommonDir, 'mam-worktrees.lock'),
      realpath: false,
      stale: 30_000,
      // Another process holds it for one `git worktree` call (tens of ms); a minute covers a long queue.
      retries: { retries: 600, minTimeout: 5, maxTimeout: 100, factor: 1.5, randomize: true },
    });
  } catch (err) {
    throw new MamError('LOCK', `cannot lock the worktrees of ${gitCommonDir}: ${(err as Error).message}`, {
      hint: `another mam process holds it; if none runs, remove ${join(gitCommonDir, 'mam-worktrees.lock')}`,
      cause: err,
    });
  }
  try {
    return await fn();
  } finally {
    await release().catch(() => {});
  }
}
