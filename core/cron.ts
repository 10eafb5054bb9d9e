import { Cron } from 'croner';
import { MamError } from './errors.js';

/**
 * Cron expressions, parsed by croner: five fields, or six with seconds first, in the host's local
 * time zone. Checked where a schedule is added (the CLI) and again where it is kept (the reconciler).
 */
export function parseCron(expr: string): Cron {
  try {
    return new Cron(expr, { paused: true });
  } catch (err) {
    throw new MamError('USAGE', `--cron "${expr}" is not a cron expression: ${(err as Error).message}`, {
      hint: 'five fields (minute hour day month weekday, e.g. "0 3 * * *"), or six with seconds first',
    });
  }
}

/** The first firing time strictly after `after` (epoch ms); null when the expression has none left. */
export function nextFiring(expr: string, after: number): number | null {
  return parseCron(expr).nextRun(new Date(after))?.getTime() ?? null;
}

/** How many firing times fall in (from, to], counting at most `cap`: what a downtime missed. */
export function firingsBetween(expr: string, from: number, to: number, cap = 1000): number {
  const cron = parseCron(expr);
  let n = 0;
  for (let t = cron.nextRun(new Date(from)); t && t.getTime() <= to && n < cap; t = cron.nextRun(t)) n++;
  return n;
}
