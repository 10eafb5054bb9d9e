import { MamError } from '../../core/errors.js';
import type { Adapter } from '../adapter.js';

/**
 * The generic agent: any program (a shell script, a test runner …) run as is.
 * It gets the prompt in MAM_PROMPT and reports with `mam emit` itself.
 */
export const commandAdapter: Adapter = {
  name: 'command',
  launch(job) {
    const argv = job.command?.length ? job.command : job.config.bin ? [job.config.bin, ...(job.config.args ?? [])] : undefined;
    if (!argv) {
      throw new MamError('ADAPTER', `job ${job.id}: the command agent needs a program`, {
        hint: 'pass it after `--`: mam job create --agent command -- ./run.sh',
      });
    }
    const env: Record<string, string> = {};
    if (job.prompt !== undefined) env.MAM_PROMPT = job.prompt;
    return { command: argv[0], args: argv.slice(1), env };
  },
  exitKeys: ['C-c'],
};
