import { spawn } from 'node:child_process';
import { existsSync, openSync, readFileSync, rmSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { MamError } from '../core/errors.js';
import { mamEntry } from '../core/package-root.js';
import { writeSecretFile } from '../core/secret-file.js';
import type { Workspace } from '../core/workspace.js';

export type DaemonName = 'broker' | 'reconciler' | 'dashboard';

const ARGS: Record<DaemonName, string[]> = { broker: ['broker'], reconciler: ['reconcile'], dashboard: ['dashboard'] };

export const pidFile = (ws: Workspace, d: DaemonName) => join(ws.runDir, `${d}.pid`);
export const logFile = (ws: Workspace, d: DaemonName) => join(ws.runDir, `${d}.log`);

/** Whether a process with this pid exists (EPERM: it does, owned by someone else). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The daemon's pid when its pid file names a live mam process; a stale pid file is removed. */
export function runningPid(ws: Workspace, d: DaemonName): number | undefined {
  const file = pidFile(ws, d);
  if (!existsSync(file)) return undefined;
  const pid = Number(readFileSync(file, 'utf8').trim());
  if (Number.isInteger(pid) && pid > 1 && alive(pid) && isMam(pid)) return pid;
  rmSync(file, { force: true });
  return undefined;
}

// A recycled pid may belong to anything: only a process running mam's CLI counts.
function isMam(pid: number): boolean {
  try {
    // dist/mam.js: daemons started by a build from before the program became dist/mam.cjs.
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return cmdline.includes(mamEntry()) || cmdline.includes(mamEntry().replace(/\.cjs$/, '.js'));
  } catch {
    return true; // no /proc (macOS): trust the live pid
  }
}

/** Starts a daemon detached, logging to .mam/run/<name>.log; idempotent. */
export function startDaemon(ws: Workspace, d: DaemonName, env: NodeJS.ProcessEnv): { pid: number; started: boolean } {
  const running = runningPid(ws, d);
  if (running) return { pid: running, started: false };
  const out = openSync(logFile(ws, d), 'a', 0o600);
  const child = spawn(process.execPath, [mamEntry(), ...ARGS[d]], {
    cwd: ws.root,
    env: { ...env, MAM_HOME: ws.root },
    detached: true,
    stdio: ['ignore', out, out],
  });
  closeSync(out);
  child.unref();
  writeSecretFile(pidFile(ws, d), String(child.pid));
  return { pid: child.pid!, started: true };
}

/** SIGTERM, then waits for a clean exit; SIGKILL only after the deadline. */
export async function stopDaemon(
  ws: Workspace,
  d: DaemonName,
  deadlineMs = 15_000,
): Promise<'stopped' | 'killed' | 'not running'> {
  const pid = runningPid(ws, d);
  if (!pid) return 'not running';
  process.kill(pid, 'SIGTERM');
  const until = Date.now() + deadlineMs;
  while (Date.now() < until) {
    if (!alive(pid)) {
      rmSync(pidFile(ws, d), { force: true });
      return 'stopped';
    }
    await sleep(50);
  }
  process.kill(pid, 'SIGKILL');
  rmSync(pidFile(ws, d), { force: true });
  return 'killed';
}

/** Polls until `check` passes; a daemon that died meanwhile fails at once with its log's tail. */
export async function waitFor(
  ws: Workspace,
  d: DaemonName,
  check: () => Promise<boolean> | boolean,
  ms: number,
): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await check()) return;
    if (!runningPid(ws, d)) break;
    await sleep(100);
  }
  let tail = '';
  try {
    tail = readFileSync(logFile(ws, d), 'utf8').trim().split('\n').slice(-5).join('\n');
  } catch {
    // no log yet
  }
  throw new MamError('DAEMON', `the ${d} did not come up${tail ? `; its log ends:\n${tail}` : ''}`, {
    hint: `see ${logFile(ws, d)}`,
  });
}
