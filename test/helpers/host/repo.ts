import { execFileSync } from 'node:child_process';
import { mkdtempSync, realpathSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', ['-C', cwd, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

/** A fresh repository with one commit and an identity for the agent's commits. */
export function makeRepo(): string {
  const repo = realpathSync(mkdtempSync(join(tmpdir(), 'mam-repo-')));
  git(repo, 'init', '-q', '-b', 'main');
  git(repo, 'config', 'user.email', 'agent@mam.invalid');
  git(repo, 'config', 'user.name', 'test agent');
  writeFileSync(join(repo, 'README.md'), '# test repository\n');
  git(repo, 'add', '.');
  git(repo, 'commit', '-q', '-m', 'initial');
  return repo;
}
