import { execa } from 'execa';

async function git(cwd: string, args: string[]): Promise<string[] | undefined> {
  const r = await execa('git', ['-C', cwd, ...args], { reject: false, timeout: 30_000, stdin: 'ignore' });
  if (r.exitCode !== 0) return undefined;
  return String(r.stdout)
    .split('\0')
    .filter((p) => p !== '');
}

/**
 * Every path a job changed since `base`, relative to its repository's top: committed and
 * uncommitted changes to tracked files (both sides of a rename), and untracked files that are
 * not ignored. Undefined when they cannot be listed (no git, no base, a base git does not know).
 */
export async function changedPaths(cwd: string, base: string | null | undefined): Promise<string[] | undefined> {
  if (!base) return undefined;
  const [diffed, untracked] = await Promise.all([
    git(cwd, ['diff', '--name-only', '--no-renames', '-z', base, '--']),
    git(cwd, ['ls-files', '--others', '--exclude-standard', '--full-name', '-z', '--', ':/']),
  ]);
  if (!diffed || !untracked) return undefined;
  return [...new Set([...diffed, ...untracked])].sort();
}
