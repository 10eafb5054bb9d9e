import { existsSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { execFileSync } from 'node:child_process';
import { execa } from 'execa';

/**
 * Which expected artifacts are missing. An artifact is a path relative to the
 * workdir (never outside it), or `git:commit`: the workdir's branch has commits
 * beyond `gitBase` (the HEAD recorded when the session launched).
 */
export function missingArtifacts(workdir: string, expect: string[], gitBase?: string): string[] {
  const missing: string[] = [];
  for (const a of expect) {
    if (a === 'git:commit') {
      if (!hasCommitsBeyond(workdir, gitBase)) missing.push(a);
      continue;
    }
    const path = resolve(workdir, a);
    const rel = relative(workdir, path);
    if (rel.startsWith('..') || isAbsolute(rel) || !existsSync(path)) missing.push(a);
  }
  return missing;
}

function hasCommitsBeyond(workdir: string, base: string | undefined): boolean {
  try {
    const range = base ? `${base}..HEAD` : 'HEAD';
    // Synchronous on purpose: runs inside the commit of a done event; git answers in milliseconds.
    const out = execFileSync('git', ['-C', workdir, 'rev-list', '--count', range], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 5000,
    });
    return Number(out.trim()) > 0;
  } catch {
    return false;
  }
}

/** Whether `dir` or a folder above it holds a .git (folder, or a worktree's file). */
function inGitTree(dir: string): boolean {
  for (let d = resolve(dir); ; d = dirname(d)) {
    if (existsSync(join(d, '.git'))) return true;
    if (dirname(d) === d) return false;
  }
}

/**
 * HEAD of the workdir, recorded at launch as the base `git:commit` is measured from; undefined
 * outside git. Asynchronous, and no git process at all outside a git tree: a launch must not
 * stall the reconciler's event loop (a synchronous git took ≈ 30 ms of it per launch under load).
 */
export async function gitHead(workdir: string): Promise<string | undefined> {
  if (!inGitTree(workdir)) return undefined;
  const r = await execa('git', ['-C', workdir, 'rev-parse', 'HEAD'], {
    reject: false,
    timeout: 5000,
    stdin: 'ignore',
    stderr: 'ignore',
  });
  return r.exitCode === 0 ? String(r.stdout).trim() : undefined;
}
