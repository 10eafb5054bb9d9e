import type { JobRow, Registry } from '../registry/registry.js';
import { doneSummary } from './step-items.js';

/** The blocker job of one blocked generation of a step's job: deterministic, so it is created once. */
export const blockerJobId = (job: string, gen: number) => `${job}-b${gen}`;

/** The reason a step's job is resumed with when its blocker is done. */
export const unblockedReason = (blocker: string) => `resumed: its blocker ${blocker} is done`;

/**
 * The prompt of a generation its blocker's done opened, read again from the registry: a launch
 * the reconciler did not live to make (subscriber/drift/stranded-launches.ts) still gets it.
 */
export function unblockedPrompt(reg: Registry, reason: string | null): string | undefined {
  const blocker = /^resumed: its blocker ([A-Za-z0-9_-]+) is done$/.exec(reason ?? '')?.[1];
  return blocker && (doneSummary(reg, blocker) ?? `${blocker} is done`);
}

export type BlockedAction =
  | { kind: 'spawn'; job: string; prompt: string }
  | { kind: 'resume'; job: string; gen: number; prompt: string }
  | undefined;

/**
 * `on_blocked: spawn` for one blocked job of a step: a blocker job with the block's reason as its
 * task, and, once that is done, the blocked job resumed (a new generation, through the state
 * table, in the decision's transaction) with the blocker's summary as its prompt. A blocker that
 * failed leaves the step blocked: the blocked escalation asks a person.
 */
export function tendBlocked(reg: Registry, row: JobRow, now: number): BlockedAction {
  if (row.state !== 'blocked') return undefined;
  const blocker = blockerJobId(row.id, row.gen);
  const b = reg.getJob(blocker);
  if (!b)
    return {
      kind: 'spawn',
      job: blocker,
      prompt: `Unblock job ${row.id}, which reported itself blocked: ${row.reason ?? '(no reason given)'}\nWhen you are done, your summary is given to it as its next prompt.`,
    };
  if (b.state !== 'done') return undefined;
  if (!reg.transitionJob(row, 'resume', unblockedReason(blocker), { gen: row.gen + 1, eventAt: now })) return undefined;
  return { kind: 'resume', job: row.id, gen: row.gen + 1, prompt: unblockedPrompt(reg, unblockedReason(blocker))! };
}
