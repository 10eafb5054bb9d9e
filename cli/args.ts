import { parseArgs, type ParseArgsConfig } from 'node:util';
import { MamError } from '../core/errors.js';

type Options = NonNullable<ParseArgsConfig['options']>;

/** Thrown when a command's flags ask for help; the entry point prints the command's help text. */
export class HelpRequested extends Error {}

/**
 * parseArgs with mam's error style: an unknown or malformed flag names the
 * command's --help. --help counts only as a flag of its own, never as an
 * option's value or after `--`, where it belongs to the agent's program.
 */
export function parseFlags<O extends Options>(command: string, argv: string[], options: O, positionals = true) {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: { ...options, help: { type: 'boolean', short: 'h' }, debug: { type: 'boolean' } },
      allowPositionals: positionals,
      strict: true,
    });
  } catch (err) {
    throw new MamError('USAGE', (err as Error).message.replace(/\. To specify.*$/s, ''), {
      hint: `see \`mam ${command} --help\``,
    });
  }
  if ((parsed.values as { help?: boolean }).help) throw new HelpRequested();
  return parsed;
}

export function usage(command: string, message: string): MamError {
  return new MamError('USAGE', message, { hint: `see \`mam ${command} --help\`` });
}

/** "30s", "5m", "2h", "7d", "1500ms" or plain milliseconds. */
export function parseDuration(command: string, value: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(value.trim());
  if (!m) throw usage(command, `invalid duration "${value}" (use e.g. 1500ms, 30s, 5m, 2h, 7d)`);
  const n = Number(m[1]);
  return Math.round(n * { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[(m[2] ?? 'ms') as 'ms']);
}
