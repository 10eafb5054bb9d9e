/**
 * Checks both backends make before starting a session. They fail here, with a
 * clear error, instead of later in a way nobody sees: tmux silently falls
 * back to $HOME for a missing directory, and a log pipe to an unwritable
 * path dies quietly.
 */
import { appendFile, chmod, stat } from 'node:fs/promises';
import { isAbsolute } from 'node:path';
import { MamError } from '../../core/errors.js';
import { isValidSessionName } from '../session-name.js';
import type { SessionSpec } from '../session-backend.js';

export const DEFAULT_COLS = 120;
export const DEFAULT_ROWS = 40;

export interface PreparedSpec extends SessionSpec {
  cols: number;
  rows: number;
}

export async function prepareSpec(spec: SessionSpec): Promise<PreparedSpec> {
  if (!isValidSessionName(spec.name)) {
    throw new MamError('SESSION', `invalid session name ${JSON.stringify(spec.name)}`, {
      hint: 'use letters, digits, "-" and "_" only (see agents/session-name.ts)',
    });
  }
  if (
    !isAbsolute(spec.cwd) ||
    !(await stat(spec.cwd).then(
      (s) => s.isDirectory(),
      () => false,
    ))
  ) {
    throw new MamError('SESSION', `working directory ${spec.cwd} does not exist or is not an absolute directory path`);
  }
  if (spec.logFile !== undefined) {
    try {
      // What a session prints may hold anything it was given or read: its log is the owner's alone.
      await appendFile(spec.logFile, '', { mode: 0o600 });
      await chmod(spec.logFile, 0o600);
    } catch (cause) {
      throw new MamError('SESSION', `cannot write session log ${spec.logFile}`, { cause });
    }
  }
  const cols = spec.cols ?? DEFAULT_COLS;
  const rows = spec.rows ?? DEFAULT_ROWS;
  if (!Number.isInteger(cols) || !Number.isInteger(rows) || cols < 2 || rows < 2) {
    throw new MamError('SESSION', `invalid terminal size ${cols}x${rows}`);
  }
  return { ...spec, cols, rows };
}

/** Trailing spaces and blank lines are padding, not output; both backends drop them alike. */
export function tidyScreen(lines: string[]): string {
  const tidy = lines.map((line) => line.trimEnd());
  while (tidy.length > 0 && tidy[tidy.length - 1] === '') tidy.pop();
  return tidy.join('\n');
}
