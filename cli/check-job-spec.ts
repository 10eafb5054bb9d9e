import { existsSync, statSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { execa } from 'execa';
import { ADAPTERS } from '../agents/adapters/index.js';
import type { Config } from '../core/config.js';
import { MamError } from '../core/errors.js';
import { usage } from './args.js';

export interface CreateSpec {
  agent: string;
  workdir: string;
  command?: string[];
  /** --worktree / --no-worktree; undefined: the config decides */
  worktree?: boolean;
  /** the job runs on this host: its workdir and program can be looked at here */
  local: boolean;
  /** false (--no-launch): its agent is started elsewhere, so no program runs from here */
  launch: boolean;
}

/**
 * What `mam job create` can tell before anything is signed or sent: a job
 * that cannot run must fail here, with what to do, rather than be created and
 * end `lost` or `failed` later with no hint.
 */
export async function checkJobSpec(spec: CreateSpec, cfg: Config): Promise<void> {
  if (!ADAPTERS[spec.agent])
    throw usage('job', `unknown agent "${spec.agent}" (known: ${Object.keys(ADAPTERS).join(', ')})`);
  if (!spec.launch) return;
  if (spec.agent === 'command' && !spec.command?.length && !cfg.agents.command?.bin) {
    throw usage(
      'job',
      'the command agent needs a program: give it after `--`, e.g. `mam job create --agent command -- ./agent.sh`',
    );
  }
  if (!spec.local) return;
  if (!existsSync(spec.workdir) || !statSync(spec.workdir).isDirectory()) {
    throw new MamError('WORKDIR_MISSING', `the workdir ${spec.workdir} does not exist or is not a folder`, {
      hint: 'create it, or pass an existing folder with --workdir',
    });
  }
  if (spec.worktree === false || (spec.worktree === undefined && !cfg.worktrees.enabled)) return;
  if (!(await git(spec.workdir, 'rev-parse', '--verify', '--quiet', 'HEAD'))) return; // no repository (or no commit): runs in place
  // The session runs in a fresh worktree of HEAD: a file that exists here but is not committed is not there.
  for (const arg of spec.command ?? []) {
    if (arg.startsWith('-') || isAbsolute(arg) || !existsSync(join(spec.workdir, arg))) continue;
    if (!(await git(spec.workdir, 'cat-file', '-e', `HEAD:./${arg}`))) {
      throw new MamError(
        'PROGRAM_NOT_COMMITTED',
        `${arg} is not committed in ${spec.workdir}, and the job runs in a fresh git worktree of HEAD where it will not exist`,
        {
          hint: `commit it (\`git add ${arg} && git commit\`), give an absolute path, or run in place with --no-worktree`,
        },
      );
    }
  }
}

async function git(cwd: string, ...args: string[]): Promise<boolean> {
  const r = await execa('git', ['-C', cwd, ...args], { reject: false, timeout: 30_000, stdin: 'ignore' });
  return r.exitCode === 0;
}
