/**
 * Whether the program in a session reads keys one at a time. A TUI turns its
 * terminal's line mode (ICANON) off when it starts reading keys; until then,
 * and whenever it turns line mode back on for a moment, keys sent to it are
 * echoed by the terminal as text ("^[[B" for Down) and never reach its menu —
 * worse, the echo lands on its screen, which a diffing renderer never redraws.
 * The terminal's own mode is the one honest signal, read with `stty`.
 */
import { readlink } from 'node:fs/promises';
import { execa } from 'execa';
import type { AdapterSession } from '../adapter.js';

/**
 * true: line mode is off, keys reach the program; false: the terminal is still
 * in line mode; undefined: not known here (no /proc, no stty, the session gone),
 * and then nothing is held back.
 */
export async function takesKeys(s: AdapterSession): Promise<boolean | undefined> {
  const pid = await s.backend.pid(s.name).catch(() => undefined);
  if (pid === undefined) return undefined;
  // Any process of the session has its terminal on fd 0; a sandbox wrapper's is the agent's.
  const tty = await readlink(`/proc/${pid}/fd/0`).catch(() => undefined);
  if (!tty?.startsWith('/dev/pts/')) return undefined;
  const stty = await execa('stty', ['-F', tty, '-a'], { reject: false, timeout: 2000 });
  if (stty.exitCode !== 0) return undefined;
  const flags = stty.stdout.split(/[\s;]+/);
  if (flags.includes('-icanon')) return true;
  return flags.includes('icanon') ? false : undefined;
}
