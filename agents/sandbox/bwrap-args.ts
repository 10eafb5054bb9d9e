/**
 * The bubblewrap command line a sandboxed session starts with (bwrap(1)).
 * Mounts apply in order, each over what came before: the whole filesystem
 * read-only, a fresh /tmp, the session's writable folders, then an empty
 * folder over the workspace's `.mam/` with only the session's own parts put
 * back. No secret is ever part of it: the environment passes through bwrap.
 */
import { isAbsolute, join, relative } from 'node:path';
import { OPERATOR_DIR } from '../../core/workspace.js';

export interface Bind {
  path: string;
  mode: 'rw' | 'ro';
}

export interface SandboxPlan {
  /** where the agent starts */
  cwd: string;
  /** the agent's worktree or workdir, and its repository's common git folder: writable */
  writable: string[];
  /** agents.<name>.binds, with `~` expanded; a missing path is skipped */
  binds: Bind[];
  /** the workspace's `.mam/`: replaced by an empty folder */
  hidden: string;
  /** put back inside `hidden` (or anywhere) writable: the job's own folder */
  jobDir: string;
  /** read-only, put back where a cover hides them: the CA certificate, the mam package the shim runs */
  readOnly: string[];
  /** tmux socket folders outside /tmp (TMUX_TMPDIR), each covered by an empty folder */
  socketDirs: string[];
}

const inside = (path: string, dir: string): boolean => {
  const rel = relative(dir, path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
};

/** bwrap's arguments up to and including `--`; the program and its arguments follow. */
export function bwrapArgs(plan: SandboxPlan): string[] {
  const args = [
    // First: each later mount goes over it (a /dev or /proc before it would be covered by the host's).
    '--ro-bind',
    '/',
    '/',
    // Its own PID namespace and /proc: no other process (another agent, tmux, the daemon) is visible.
    '--unshare-pid',
    '--unshare-ipc',
    '--proc',
    '/proc',
    // A minimal /dev of its own: not the other sessions' terminals under /dev/pts.
    '--dev',
    '/dev',
    // Root keeps every capability in the sandbox unless told otherwise; with them it could unmount the covers.
    '--cap-drop',
    'ALL',
    '--die-with-parent',
    // The variable that names the tmux socket (and the pane) means nothing inside.
    '--unsetenv',
    'TMUX',
    '--unsetenv',
    'TMUX_PANE',
    // The daemon's TMPDIR may lie outside the sandbox's one writable /tmp.
    '--setenv',
    'TMPDIR',
    '/tmp',
    // tmux's default socket folder is /tmp/tmux-<uid>; other files in /tmp are no business of the agent's.
    '--tmpfs',
    '/tmp',
  ];
  for (const dir of plan.socketDirs) args.push('--tmpfs', dir);
  const writable = (path: string) => args.push('--bind', path, path);
  for (const path of plan.writable) writable(path);
  for (const b of plan.binds) args.push(b.mode === 'ro' ? '--ro-bind-try' : '--bind-try', b.path, b.path);
  args.push('--tmpfs', plan.hidden);
  // What lies inside the hidden folder comes back after it: the job's own folder, its worktree.
  writable(plan.jobDir);
  // The operator's seq counters and outbox for this job: out of the agent's reach and sight.
  args.push('--tmpfs', join(plan.jobDir, OPERATOR_DIR));
  for (const path of plan.writable) if (inside(path, plan.hidden)) writable(path);
  // Only where a cover hid it: a read-only bind over a writable folder would take its writes away.
  const covers = ['/tmp', plan.hidden, ...plan.socketDirs];
  const shown = [...plan.writable, plan.jobDir];
  for (const path of plan.readOnly) {
    if (covers.some((c) => inside(path, c)) && !shown.some((w) => inside(path, w))) args.push('--ro-bind', path, path);
  }
  args.push('--chdir', plan.cwd, '--');
  return args;
}
