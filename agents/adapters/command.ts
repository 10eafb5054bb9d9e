import { MamError } from '../../core/errors.js';
import type { Adapter } from '../adapter.js';

/** Linux refuses an exec whose single variable passes 128 KiB (MAX_ARG_STRLEN); kept well under. */
export const MAX_ENV_PROMPT_BYTES = 96 * 1024;

/**
 * The generic agent: any program (a shell script, a test runner …) run as is.
 * It gets the prompt in the file MAM_PROMPT_FILE names, and in MAM_PROMPT
 * too unless it is past what one environment variable may hold, and
 * reports with `mam emit` itself.
 */
export const commandAdapter: Adapter = {
  name: 'command',
  launch(job) {
    const argv = job.command?.length
      ? job.command
      : job.config.bin
        ? [job.config.bin, ...(job.config.args ?? [])]
        : undefined;
    if (!argv) {
      throw new MamError('ADAPTER', `job ${job.id}: the command agent needs a program`, {
        hint: 'pass it after `--`: mam job create --agent command -- ./run.sh',
      });
    }
    const env: Record<string, string> = {};
    if (job.prompt !== undefined && Buffer.byteLength(job.prompt) <= MAX_ENV_PROMPT_BYTES) env.MAM_PROMPT = job.prompt;
    return { command: argv[0], args: argv.slice(1), env };
  },
  exitKeys: ['C-c'],
};
