/**
 * Reading an agent's screen the way the probes need it: read as soon as the
 * agent draws (its output wakes the poller), with backoff while nothing happens; the
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

/** How long after a key its answer is awaited at full speed; past it, output is read at the usual pace. */
const ANSWER_WINDOW_MS = 250;

/** Reads one session's screen for a probe, paced by the session's output. */
export interface ScreenPoller {
  /** The screen, or undefined once the session is gone; a changed screen polls fast again. */
  read(): Promise<string | undefined>;
  /** A key or text was just sent: the next pause ends as soon as the agent draws its answer. */
  sent(): void;
  /** Waits before the next read: until new output, or the backoff pause. Rejects once the session's signal aborts. */
  pause(deadline: number): Promise<void>;
  close(): void;
}

/**
 * Calls `onOutput` whenever the session prints: through the backend's line to
 * the session when the drive holds one, else when its log in the job folder
 * changes. Returns the function that stops it.
 */
function listenForOutput(s: AdapterSession, jobDir: string | undefined, onOutput: () => void): () => void {
  const fromLine = s.connection?.onOutput?.(onOutput);
  if (fromLine) return fromLine;
  if (!jobDir) return () => {};
  try {
    const watcher: FSWatcher = watch(jobDir, onOutput);
    watcher.on('error', () => watcher.close());
    watcher.unref();
    return () => watcher.close();
  } catch {
    return () => {}; // no inotify/FSEvents here: backoff alone
  }
}

/**
 * Reads paced by the session's output. Output the last read may have missed
 * is read at once — a redraw caught half done costs only another read, when
 * its rest arrives — but at most once per POLL_MIN_MS while output streams,
 * except in the moment after a key, while the probe waits on the agent's answer. Without output the pause backs
 * off from 25 ms ×1.5 to 200 ms; with no way to hear of output at all, that
 * backoff is all there is.
 */
export function createPoller(s: AdapterSession, jobDir?: string): ScreenPoller {
  let next = POLL_MIN_MS;
  let screen: string | undefined;
  // Output events seen, and how many had been seen when the last read began.
  let outputs = 0;
  let outputsAtRead = -1;
  let readAt = 0;
  // When the last key or text was sent: its answer may come in several pieces, each read at once.
  let keyedAt: number | undefined;
  let wake: (() => void) | undefined;
  const stopListening = listenForOutput(s, jobDir, () => {
    outputs += 1;
    wake?.();
  });
  const fresh = (): boolean => outputs > outputsAtRead;
  const wait = async (ms: number, onOutput: boolean): Promise<void> => {
    const timer = new AbortController();
    try {
      await Promise.race([
        sleep(Math.max(0, ms), undefined, { signal: AbortSignal.any([s.signal, timer.signal]) }),
        ...(onOutput ? [new Promise<void>((resolve) => (wake = resolve))] : []),
      ]);
    } finally {
      wake = undefined;
      timer.abort();
    }
    s.signal.throwIfAborted();
  };
  return {
    async read() {
      outputsAtRead = outputs;
      readAt = Date.now();
      const now = await readScreen(s);
      if (now !== screen) next = POLL_MIN_MS;
      screen = now;
      return now;
    },
    sent() {
      keyedAt = Date.now();
      next = POLL_MIN_MS;
    },
    async pause(deadline) {
      if (!fresh()) {
        const ms = Math.min(next, deadline - Date.now());
        await wait(ms, true);
        if (!fresh()) {
          next = Math.min(POLL_MAX_MS, Math.round(next * 1.5));
          return;
        }
      }
      const awaited = keyedAt !== undefined && Date.now() - keyedAt < ANSWER_WINDOW_MS;
      const spaced = Math.min(readAt + POLL_MIN_MS, deadline) - Date.now();
      if (!awaited && spaced > 0) await wait(spaced, false);
    },
    close() {
      stopListening();
    },
  };
}

/** Writes the screen into the job folder with what the probe thought of it; returns the file. */
export function saveStuckScreen(jobDir: string, agent: string, where: string, screen: string): string {
  const file = join(jobDir, STUCK_SCREEN_FILE);
  writeFileSync(file, `# agent: ${agent}\n# stuck on: ${where}\n# at: ${new Date().toISOString()}\n\n${screen}\n`, {
    mode: 0o600,
  });
  return file;
}

/** The last non-blank line of a screen, shortened: enough to recognise it in a one-line reason. */
export function lastLine(screen: string, max = 100): string {
  const line =
    screen
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean)
      .pop() ?? '';
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
export async function watchScreen(
  poller: ScreenPoller,
  s: AdapterSession,
  ms: number,
  until: (screen: string) => boolean,
): Promise<Watched> {
  const deadline = Date.now() + ms;
  let screen = '';
  for (;;) {
    s.signal.throwIfAborted();
    const now = await poller.read();
    if (now === undefined) return { screen, hit: false, gone: true };
    screen = now;
    if (until(screen)) return { screen, hit: true, gone: false };
    if (Date.now() >= deadline) return { screen, hit: false, gone: false };
    await poller.pause(deadline);
  }
}
