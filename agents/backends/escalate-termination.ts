/**
 * The graceful-then-firm termination ladder both backends share: exit keys,
 * SIGTERM to the process group, SIGKILL, then the backend's own last resort.
 * Each backend supplies only how to observe and act on its sessions.
 */
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { MamError } from '../../core/errors.js';
import type { Key, TerminateOptions, TerminateResult } from '../session-backend.js';

export const DEFAULT_GRACE_MS = 3000;

export interface TerminationSteps {
  name: string;
  isAlive(): Promise<boolean>;
  /** Resolves true once the session is gone, false if still alive after `ms`. */
  waitGone(ms: number): Promise<boolean>;
  /** The process group leader, read before anything is sent; undefined if unknown. */
  pid(): Promise<number | undefined>;
  /**
   * True when the pid is this process's own unreaped child (pty): it cannot
   * belong to anyone else, so it may be signalled alone when its group is not
   * formed yet. A tmux pane's pid is tmux's child and is never signalled alone.
   */
  ownChild?: boolean;
  sendExitKey(key: Key | { text: string }): Promise<void>;
  /** Backend-specific removal after SIGKILL (tmux: kill-session; pty: destroy). */
  finalRemove(): Promise<void>;
}

/** Signals a whole process group; refuses pids that would hit init or our own group. */
export function signalGroup(pid: number | undefined, signal: NodeJS.Signals, ownChild = false): void {
  if (pid === undefined || !Number.isInteger(pid) || pid <= 1) return;
  try {
    process.kill(-pid, signal);
    return;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH' || !ownChild) return rethrowUnlessGone(err);
  }
  // No such group: either everything is gone, or the program was signalled between its
  // fork and its setsid() (a session ended right after it started) — then only the pid has it.
  try {
    process.kill(pid, signal);
  } catch (err) {
    rethrowUnlessGone(err);
  }
}

// ESRCH: already gone, which is what was wanted.
function rethrowUnlessGone(err: unknown): void {
  if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
}

/**
 * True while the program with this pid runs. A zombie has exited already: only
 * its reaping is pending, which may never come (a tmux server that quit with its
 * last session leaves the pane's zombie to an init that may not reap).
 */
export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return true; // no /proc (macOS): the signal's answer stands
  }
}

/** Polls `check` until it returns false or `ms` elapses; true when it turned false. */
export async function pollUntilGone(check: () => Promise<boolean>, ms: number, everyMs = 50): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (!(await check())) return true;
    if (Date.now() >= deadline) return false;
    await sleep(Math.min(everyMs, Math.max(1, deadline - Date.now())));
  }
}

export async function escalateTermination(
  steps: TerminationSteps,
  opts: TerminateOptions = {},
): Promise<TerminateResult> {
  const graceMs = opts.graceMs ?? DEFAULT_GRACE_MS;
  // A live session has a pid: asking for it first (or taking the caller's) spares a liveness check, a tmux call.
  const pid = opts.pid ?? (await steps.pid());
  if (pid === undefined && !(await steps.isAlive())) return { endedBy: 'already-gone' };

  if (opts.exitKeys && opts.exitKeys.length > 0) {
    try {
      for (const key of opts.exitKeys) await steps.sendExitKey(key);
    } catch (err) {
      // The program may quit half-way through the keys; only a live session makes this an error.
      if (await steps.isAlive()) throw err;
    }
    if (await steps.waitGone(graceMs)) return { endedBy: 'exit-keys' };
  }

  signalGroup(pid, 'SIGTERM', steps.ownChild);
  if (await steps.waitGone(graceMs)) return { endedBy: 'sigterm' };

  signalGroup(pid, 'SIGKILL', steps.ownChild);
  // SIGKILL cannot be caught; the short wait only covers the kernel and the reaper.
  if (await steps.waitGone(Math.min(graceMs, 1000))) return { endedBy: 'sigkill' };

  await steps.finalRemove();
  if (await steps.waitGone(Math.max(graceMs, 1000))) return { endedBy: 'sigkill' };
  throw new MamError('SESSION', `session ${steps.name} is still alive after SIGKILL`, {
    hint: 'a process in it may be stuck in the kernel (state D); check it with ps',
  });
}
