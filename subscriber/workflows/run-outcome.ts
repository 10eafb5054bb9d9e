import type { Config } from '../../core/config.js';
import type { StepSpec } from '../../core/workflow/workflow-types.js';
import type { JobSpec } from '../launch-session.js';
import { jobPolicy } from '../policies/job-policy.js';
import { gaveUp } from '../policies/retry-decision.js';
import type { JobRow } from '../registry/registry.js';

/**
 * How a run sees one of its jobs: `done`; `ended` for good (cancelled, timed out, or failed or lost
 * with no retry to come: its policy has none left, or giving up is in its reason); else `going`,
 * a failed or lost job whose retry is still to come included — the step's retries policy applies
 * before the run decides anything. A lost job is not terminal in the state table, but with no retry
 * left nothing moves it again: a run waiting on it would wait forever.
 */
export function jobOutcome(row: JobRow, cfg: Config): 'done' | 'ended' | 'going' {
  if (row.state === 'done') return 'done';
  if (row.state === 'cancelled' || row.state === 'timeout') return 'ended';
  if (row.state !== 'failed' && row.state !== 'lost') return 'going';
  if (gaveUp(row.reason)) return 'ended';
  return row.attempts < jobPolicy(JSON.parse(row.spec) as JobSpec, cfg).retries ? 'going' : 'ended';
}

export type StepStatus = 'pending' | 'live' | 'done' | 'failed';

/**
 * The run's end once nothing of it is going: done when every step is done, or failed but only an
 * alternative (`needs_any`) of steps that are all done; otherwise failed, naming the failed steps
 * and the steps cancelled because they need one (all of `needs`, or every one of `needs_any`).
 */
export function runEnd(steps: StepSpec[], status: Map<string, StepStatus>): { done: true } | { reason: string } {
  const byId = new Map(steps.map((s) => [s.id, s]));
  const dead = new Map<string, boolean>();
  const isDead = (id: string): boolean => {
    if (!dead.has(id)) {
      const s = byId.get(id)!;
      dead.set(
        id,
        status.get(id) === 'failed' ||
          (status.get(id) !== 'done' &&
            ((s.needs ?? []).some(isDead) || (!!s.needs_any?.length && s.needs_any.every(isDead)))),
      );
    }
    return dead.get(id)!;
  };
  const dependents = (id: string) => steps.filter((s) => s.needs?.includes(id) || s.needs_any?.includes(id));
  // A failed alternative whose dependents are all done cost the run nothing.
  const covered = (id: string) => {
    const d = dependents(id);
    return d.length > 0 && d.every((s) => status.get(s.id) === 'done');
  };
  if (steps.every((s) => status.get(s.id) === 'done' || (status.get(s.id) === 'failed' && covered(s.id))))
    return { done: true };
  const failed = steps.filter((s) => status.get(s.id) === 'failed' && !covered(s.id)).map((s) => s.id);
  const cancelled = steps.filter((s) => status.get(s.id) !== 'failed' && isDead(s.id)).map((s) => s.id);
  const plural = (n: number) => (n === 1 ? '' : 's');
  if (!failed.length) return { reason: `steps ${cancelled.join(', ')} cannot start` };
  return {
    reason:
      `step${plural(failed.length)} ${failed.join(', ')} failed` +
      (cancelled.length
        ? `; cancelled, as they depend on ${failed.length === 1 ? 'it' : 'them'}: ${cancelled.join(', ')}`
        : ''),
  };
}
