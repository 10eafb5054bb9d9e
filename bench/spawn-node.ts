import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { execa } from 'execa';
import { mamEntry } from '../core/package-root.js';

export const MAM_BIN = mamEntry();

/** A process the benchmark started: its pid, its peak memory, and a graceful stop. */
export interface Child {
  name: string;
  pid: number;
  /** The first stdout line (since the start) that matches; rejects on exit or after timeoutMs. */
  waitForLine(match: (line: string) => boolean, timeoutMs: number): Promise<string>;
  /** VmHWM from /proc: the most resident memory the process ever had, in KiB */
  peakRssKb(): number | undefined;
  /** user + system CPU time the process has used so far, in ms (10 ms resolution on Linux) */
  cpuMs(): number | undefined;
  stop(): Promise<void>;
}

export interface SpawnOptions {
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** the child's stderr goes here (daemon logs), kept for a look after a failed run */
  logFile: string;
  nodeArgs?: string[];
  /** the stdout line that says the child is ready */
  ready: (line: string) => boolean;
  timeoutMs?: number;
}

// /proc/<pid>/stat counts CPU time in clock ticks: 100 a second on every Linux build node supports.
const TICK_MS = 10;

function cpuTime(pid: number): number | undefined {
  try {
    // Fields after the parenthesised command name; utime and stime are the 12th and 13th of them.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) * TICK_MS;
  } catch {
    return undefined;
  }
}

function peakRss(pid: number): number | undefined {
  try {
    const m = /^VmHWM:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined; // no /proc (macOS), or already gone
  }
}

/** Starts `node <args>` and resolves with its ready line; a child that exits or stays silent fails the run. */
export async function spawnNode(
  name: string,
  args: string[],
  o: SpawnOptions,
): Promise<{ child: Child; line: string }> {
  const proc = execa(process.execPath, [...(o.nodeArgs ?? []), ...args], {
    cwd: o.cwd,
    env: o.env,
    extendEnv: false,
    stdin: 'ignore',
    stdout: 'pipe',
    stderr: { file: o.logFile },
    buffer: false,
    reject: false,
    // SIGTERM first (the daemons close cleanly and write their profiles), SIGKILL if that hangs.
    forceKillAfterDelay: 10_000,
    cleanup: true,
  });
  const pid = proc.pid;
  if (pid === undefined) throw new Error(`${name}: could not start node`);
  let exited = false;
  const done = proc.then(() => void (exited = true));
  // Every stdout line is kept, so a line printed before anyone waits for it is still found.
  const seen: string[] = [];
  const waiters = new Set<() => void>();
  createInterface({ input: proc.stdout! }).on('line', (l) => {
    seen.push(l);
    for (const w of waiters) w();
  });
  const waitForLine = (match: (line: string) => boolean, timeoutMs: number) =>
    new Promise<string>((resolve, reject) => {
      let from = 0;
      const check = () => {
        for (; from < seen.length; from++) if (match(seen[from])) return finish(() => resolve(seen[from]));
        if (exited) finish(() => reject(new Error(`${name} exited (log: ${o.logFile})`)));
      };
      const timer = setTimeout(
        () => finish(() => reject(new Error(`${name}: no awaited output after ${timeoutMs} ms (log: ${o.logFile})`))),
        timeoutMs,
      );
      const finish = (settle: () => void) => {
        clearTimeout(timer);
        waiters.delete(check);
        settle();
      };
      waiters.add(check);
      void done.then(check);
      check();
    });
  const child: Child = {
    name,
    pid,
    waitForLine,
    peakRssKb: () => peakRss(pid),
    cpuMs: () => cpuTime(pid),
    async stop() {
      if (!exited) proc.kill('SIGTERM');
      await done;
    },
  };
  try {
    return { child, line: await waitForLine(o.ready, o.timeoutMs ?? 30_000) };
  } catch (err) {
    proc.kill('SIGKILL');
    await done;
    throw err;
  }
}
