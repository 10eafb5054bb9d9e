/**
 * What the scripts/ suites share: the shells the wrappers must run under, the
 * wrappers' paths, and a runner that never throws on a non-zero exit.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { execa, type Options } from 'execa';
import { describe, it } from 'vitest';
import { packageRoot } from '../../core/package-root.js';

export const REPO = packageRoot();
export const SCRIPTS_DIR = join(REPO, 'scripts');
export const WRAPPERS = ['create.sh', 'resume.sh', 'stop.sh', 'status.sh'] as const;
export const SHELLS = ['dash', 'bash', 'zsh'] as const;
export type Shell = (typeof SHELLS)[number];

/** CI must prove every shell; a developer machine without one only skips it. */
const STRICT = ['true', '1'].includes(process.env.CI ?? '');

export function shellPath(name: string): string | undefined {
  const r = spawnSync('/bin/sh', ['-c', 'command -v "$1"', 'sh', name], { encoding: 'utf8' });
  const path = r.stdout.trim();
  return r.status === 0 && path.startsWith('/') ? path : undefined;
}

/** One describe per shell, given the shell's path; a missing shell skips, or fails under CI=true. */
export function describeShells(title: string, body: (shell: string, name: Shell) => void): void {
  for (const name of SHELLS) {
    const path = shellPath(name);
    if (path) describe(`${title} (${name})`, () => body(path, name));
    else if (STRICT)
      describe(`${title} (${name})`, () =>
        it(`needs ${name} installed`, () => {
          throw new Error(`${name} is not on PATH; CI must run the scripts under dash, bash and zsh`);
        }));
    else describe.skip(`${title} (${name}: not installed)`, () => body(name, name));
  }
}

/** Runs `shell args...` with exactly `env`; resolves with exit code and output whatever the exit. */
export function runShell(shell: string, args: string[], opts: Options & { env: NodeJS.ProcessEnv }) {
  return execa(shell, args, { reject: false, extendEnv: false, timeout: 60_000, ...opts });
}
