import { EXIT_MEANINGS } from '../core/errors.js';
import type { CommandRun } from './io.js';

export interface CommandEntry {
  summary: string;
  help: string;
  /** runs until signalled and then closes cleanly (exit 0); others die of the signal */
  longRunning?: (argv: string[]) => boolean;
  load: () => Promise<{ run: CommandRun }>;
}

export const EXIT_CODES = `Exit codes: ${EXIT_MEANINGS.map(([code, what]) => `${code} ${what}`).join(', ')}.`;
