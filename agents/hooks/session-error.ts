import { logTail } from '../log-files.js';
/**
 * The error a CLI showed on its screen, from the job's session log, for hooks
 * whose payload does not carry it: Gemini CLI's AfterAgent after a failed
 * model call has only "[no response text]", while its screen says
 * "✕ [API Error: exception TypeError: fetch failed sending request]".
 */

const ERROR_LINE = /✕\s*(.*\S)|(\[?API Error:.*\S)/;

/** The last error line the session printed, or undefined (no log, or no error in its last lines). */
export function lastScreenError(jobDir: string | undefined, lines = 60): string | undefined {
  if (!jobDir) return undefined;
  let tail: string[];
  try {
    tail = logTail(jobDir, lines);
  } catch {
    return undefined; // no session log (a test, or the log could not be read)
  }
  for (let i = tail.length - 1; i >= 0; i--) {
    const m = ERROR_LINE.exec(tail[i]!);
    if (m) return (m[1] ?? m[2])!.trim();
  }
  return undefined;
}
