/**
 * The sandbox one session runs in, from the job's place in the workspace:
 * its worktree (or workdir) and repository writable, its own job folder and
 * the agent's configured binds put back, the rest of `.mam/` (keys.json,
 * credentials, other jobs' folders and worktrees) and every tmux socket out
 * of sight. Returns the argv prefix the backends run the agent under.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import type { Bind } from './bwrap-args.js';
import { bwrapArgs } from './bwrap-args.js';
import type { Isolation } from './isolation.js';

export interface AgentBind {
  path: string;
  mode?: 'rw' | 'ro';
}

export interface SessionSandboxInput {
  isolation: Isolation;
  /** the workspace's `.mam/` */
  workspaceDir: string;
  jobDir: string;
  /** where the session starts (inside its worktree when it has one) */
  cwd: string;
  caFile: string;
  /** the mam package the job's `mam` shim runs */
  packageRoot: string;
  binds: readonly AgentBind[];
  /** HOME (for `~`) and TMUX_TMPDIR (where tmux keeps its sockets) */
  env: Readonly<Record<string, string | undefined>>;
}

function gitPlaces(cwd: string): Promise<{ top: string; common: string } | undefined> {
  return new Promise((done) => {
    execFile(
      'git',
      ['-C', cwd, 'rev-parse', '--path-format=absolute', '--show-toplevel', '--git-common-dir'],
      { timeout: 30_000, encoding: 'utf8' },
      (err, stdout) => {
        const [top, common] = stdout.trim().split('\n');
        done(err || !top || !common ? undefined : { top, common });
      },
    );
  });
}

const within = (path: string, dir: string): boolean => {
  const rel = relative(dir, path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
};

/** `~` and `~/…` against HOME; anything else relative is taken from HOME too, never from the daemon's cwd. */
export function expandBind(bind: AgentBind, home: string): Bind {
  const path =
    bind.path === '~' ? home : bind.path.startsWith('~/') ? join(home, bind.path.slice(2)) : resolve(home, bind.path);
  return { path, mode: bind.mode ?? 'rw' };
}

/** The wrapper argv for the session, or undefined when it runs unsandboxed. */
export async function sessionSandbox(input: SessionSandboxInput): Promise<string[] | undefined> {
  if (input.isolation.mode === 'none') return undefined;
  const git = await gitPlaces(input.cwd);
  // A job's own worktree is writable whole; a shared workdir only where the job was pointed.
  const writable = [git && within(git.top, input.workspaceDir) ? git.top : input.cwd];
  // Commits made in a worktree land in the repository's own .git.
  if (git && !within(git.common, writable[0]!)) writable.push(git.common);
  const home = input.env.HOME ?? homedir();
  const uid = process.getuid?.() ?? 0;
  const socketDir = join(input.env.TMUX_TMPDIR || '/tmp', `tmux-${uid}`);
  const plan = {
    cwd: input.cwd,
    writable,
    binds: input.binds.map((b) => expandBind(b, home)),
    hidden: input.workspaceDir,
    jobDir: input.jobDir,
    readOnly: [input.caFile, input.packageRoot, dirname(process.execPath)],
    socketDirs: !within(socketDir, '/tmp') && existsSync(socketDir) ? [socketDir] : [],
  };
  return [input.isolation.bin, ...bwrapArgs(plan)];
}
