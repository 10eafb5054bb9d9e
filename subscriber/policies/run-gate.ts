import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import { processExists, signalGroup } from '../../agents/backends/escalate-termination.js';
import { fileTail } from '../../agents/log-files.js';

/** Lines of the gate's output that go back to the agent and into `mam job show`. */
export const GATE_TAIL_LINES = 40;

export interface GateRun {
  /** the gate's exit status; null when a signal (its timeout, an abort) ended it */
  exitCode: number | null;
  timedOut: boolean;
  /** stopped by `signal`: the run says nothing about the work */
  aborted: boolean;
  ms: number;
  /** its last GATE_TAIL_LINES lines of output */
  tail: string[];
}

export interface GateOptions {
  command: string;
  cwd: string;
  env: Record<string, string>;
  timeoutMs: number;
  logFile: string;
  /** SIGTERM to SIGKILL, for the gate's whole process group */
  graceMs: number;
  signal: AbortSignal;
  /** the gate's process group leader, as soon as it runs */
  onStart(pid: number | undefined): void;
}

/**
 * Runs a quality gate with `sh -c` in its own process group (what it starts ends with it),
 * stdout and stderr appended to its log with a header and a closing line. At its timeout, or when
 * `signal` aborts, the group gets SIGTERM, then SIGKILL after graceMs.
 */
export async function runGate(o: GateOptions): Promise<GateRun> {
  const t0 = Date.now();
  const fd = openSync(o.logFile, 'a', 0o600);
  writeSync(fd, `$ ${o.command}\n# in ${o.cwd}, ${new Date(t0).toISOString()}, timeout ${o.timeoutMs} ms\n`);
  let timedOut = false;
  let stopping: Promise<void> | undefined;
  try {
    // The log's descriptor goes to spawn as is: the gate writes its log itself, with no pipe for mam to
    // drain that a child the gate left behind could hold open. execa's types name only 1 and 2.
    const toLog = fd as 1;
    const child = execa('sh', ['-c', o.command], {
      cwd: o.cwd,
      env: o.env,
      extendEnv: false,
      stdin: 'ignore',
      stdout: toLog,
      stderr: toLog,
      detached: true,
      reject: false,
    });
    o.onStart(child.pid);
    const stop = () => {
      stopping ??= (async () => {
        signalGroup(child.pid, 'SIGTERM');
        const gone = await Promise.race([child.then(() => true), sleep(o.graceMs).then(() => false)]);
        if (!gone) signalGroup(child.pid, 'SIGKILL');
      })();
    };
    const timer = setTimeout(() => {
      timedOut = true;
      stop();
    }, o.timeoutMs);
    o.signal.addEventListener('abort', stop, { once: true });
    if (o.signal.aborted) stop();
    const r = await child;
    clearTimeout(timer);
    o.signal.removeEventListener('abort', stop);
    // Whatever the shell left running in its group goes with it.
    signalGroup(child.pid, 'SIGKILL');
    await stopping;
    const aborted = o.signal.aborted && !timedOut;
    const exitCode = typeof r.exitCode === 'number' ? r.exitCode : null;
    const ms = Date.now() - t0;
    // Not started at all (its folder gone …): execa's message says why.
    if (exitCode === null && !r.signal) writeSync(fd, `${r.shortMessage}\n`);
    const end = aborted
      ? `stopped: ${String(o.signal.reason)}`
      : timedOut
        ? `timed out after ${o.timeoutMs} ms`
        : `exit ${exitCode ?? r.signal ?? 'unknown'}`;
    writeSync(fd, `# ${end} (${ms} ms)\n`);
    return {
      exitCode: timedOut || aborted ? null : exitCode,
      timedOut,
      aborted,
      ms,
      tail: fileTail(o.logFile, GATE_TAIL_LINES),
    };
  } finally {
    closeSync(fd);
  }
}

/** The variable that marks a gate's processes as that run's, for a later reconciler to find them. */
export const GATE_MARKER_ENV = 'MAM_GATE';

export function gateMarker(ns: string, job: string, n: number): string {
  return `${ns}/${job}/${n}`;
}

/**
 * What is left of a gate run a killed reconciler could not stop: its process group, when the
 * recorded pid still runs and carries the run's marker (read from /proc; where there is none,
 * nothing is signalled, since a pid alone may by now be another program's). Returns whether it signalled.
 */
export async function stopLeftoverGate(pid: number | null, marker: string, graceMs: number): Promise<boolean> {
  if (pid === null || !processExists(pid)) return false;
  let environ: string;
  try {
    environ = readFileSync(`/proc/${pid}/environ`, 'latin1');
  } catch {
    return false;
  }
  if (!environ.split('\0').includes(`${GATE_MARKER_ENV}=${marker}`)) return false;
  signalGroup(pid, 'SIGTERM');
  for (let waited = 0; waited < graceMs && processExists(pid); waited += 50) await sleep(50);
  signalGroup(pid, 'SIGKILL');
  return true;
}
