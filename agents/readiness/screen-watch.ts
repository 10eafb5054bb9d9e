/**
 * Reading an agent's screen the way the probes need it: polled with backoff
 * (fast while things change, slower while they do not, woken by output), the
 * session's end noticed, and a stuck screen kept in the job folder for a
 * person to read.
 */
import { watch, writeFileSync, type FSWatcher } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AdapterSession } from '../adapter.js';

export const POLL_MIN_MS = 25;
export const POLL_MAX_MS = 200;
export const STUCK_SCREEN_FILE = 'stuck-screen.txt';

/** The screen, or undefined once the session is gone. */
export async function readScreen(s: AdapterSession): Promise<string | undefined> {
  try {
    return await s.backend.readScreen(s.name);
  } catch (err) {
    if (!(await s.backend.isAlive(s.name))) return undefined;
    throw err;
  }
}

export interface Pacer {
  /** Waits before the next read: the backoff pause, cut short by new output. Rejects once the session's signal aborts. */
  pause(deadline: number): Promise<void>;
  /** Something happened (a key sent, the screen changed): poll fast again. */
  reset(): void;
  close(): void;
}

/**
 * Pauses between screen reads: 25 ms, growing ×1.5 to 200 ms while nothing
 * happens, and cut short when the session writes output — its log in the job
 * folder changes — so a screen is read soon after it is drawn without
 * polling hard. Without a job folder to watch it is plain backoff.
 */
export function createPacer(s: AdapterSession, jobDir?: string): Pacer {
  let next = POLL_MIN_MS;
  let woke = false;
  let wake: (() => void) | undefined;
  let watcher: FSWatcher | undefined;
  try {
    if (jobDir) {
      watcher = watch(jobDir, () => {
        woke = true;
        wake?.();
      });
      watcher.on('error', () => watcher?.close());
      watcher.unref();
    }
  } catch {
    watcher = undefined; // no inotify/FSEvents here: backoff alone
  }
  return {
    async pause(deadline) {
      // Output since the last read: read again soon, but not faster than a spinner redraws.
      const ms = Math.max(1, Math.min(woke ? POLL_MIN_MS * 2 : next, deadline - Date.now()));
      if (!woke) next = Math.min(POLL_MAX_MS, Math.round(next * 1.5));
      woke = false;
      const timer = new AbortController();
      try {
        await Promise.race([
          sleep(ms, undefined, { signal: AbortSignal.any([s.signal, timer.signal]) }),
          new Promise<void>((resolve) => (wake = resolve)),
        ]);
      } finally {
        wake = undefined;
        timer.abort();
      }
      s.signal.throwIfAborted();
    },
    reset() {
      next = POLL_MIN_MS;
    },
    close() {
      watcher?.close();
    },
  };
}

/** Writes the screen into the job folder with what the probe thought of it; returns the file. */
export function saveStuckScreen(jobDir: string, agent: string, where: string, screen: string): string {
  const file = join(jobDir, STUCK_SCREEN_FILE);
  writeFileSync(file, `# agent: ${agent}\n# stuck on: ${where}\n# at: ${new Date().toISOString()}\n\n${screen}\n`, { mode: 0o600 });
  return file;
}

/** The last non-blank line of a screen, shortened: enough to recognise it in a one-line reason. */
export function lastLine(screen: string, max = 100): string {
  const line = screen.split('\n').map((l) => l.trim()).filter(Boolean).pop() ?? '';
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

export interface Watched {
  screen: string;
  /** `until` held for this screen */
  hit: boolean;
  /** the session ended while watched */
  gone: boolean;
}

/** Polls the screen until `until` holds, the session ends, or `ms` pass. */
export async function watchScreen(s: AdapterSession, ms: number, until: (screen: string) => boolean, jobDir?: string): Promise<Watched> {
  const deadline = Date.now() + ms;
  const pacer = createPacer(s, jobDir);
  let screen = '';
  try {
    for (;;) {
      s.signal.throwIfAborted();
      const now = await readScreen(s);
      if (now === undefined) return { screen, hit: false, gone: true };
      if (now !== screen) pacer.reset();
      screen = now;
      if (until(screen)) return { screen, hit: true, gone: false };
      if (Date.now() >= deadline) return { screen, hit: false, gone: false };
      await pacer.pause(deadline);
    }
  } finally {
    pacer.close();
  }
}
