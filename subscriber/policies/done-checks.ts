/**
 * What a verified done (or PASS) does to a job with a quality gate or an approval other than
 * auto: instead of done, the job goes `gate` → testing and a check is opened in the same
 * transaction; gate-runner.ts runs it after the commit. Runs inside the commit of the event.
 *
 * A done that arrives while the job's check runs (testing), or while it waits for a person's
 * approval (review), is recorded and changes nothing: the agent cannot talk its way past its
 * gate or its approval. In review only an operator's PASS approves; a PASS from anyone else
 * (the agent's own key) is recorded the same way.
 */
import type { Config } from '../../core/config.js';
import { senderClass } from '../../core/signers.js';
import type { JobSpec } from '../launch-session.js';
import type { JobRow, Registry } from '../registry/registry.js';
import type { JobState, Transition } from '../state-machine.js';
import { jobPolicy } from './job-policy.js';

/** The transition a done or PASS takes (without a reason: the event's own), or null: recorded, the job unchanged. */
export type DoneRoute = { input: Transition; reason?: string } | null;

export interface DoneChecks {
  /** `input` (a done or PASS) would move `row` to done and its artifacts exist. */
  route(row: JobRow, input: Transition, sender: string): DoneRoute;
  /** After a transition from `from` to `to` was applied: checks and approvals the new state replaces. */
  settle(job: string, from: JobState, to: JobState, input: Transition): void;
}

/** Whether a job's done must pass a gate or an approval before it is done. */
export function needsChecks(spec: JobSpec, cfg: Config): boolean {
  const p = jobPolicy(spec, cfg);
  return p.gate !== undefined || p.approval !== 'auto' || spec.reviewHold === true;
}

export function createDoneChecks(reg: Registry, cfg: Config): DoneChecks {
  return {
    route(row, input, sender) {
      const spec = JSON.parse(row.spec) as JobSpec;
      if (!needsChecks(spec, cfg)) return { input };
      const latest = reg.latestCheck(row.id);
      if (row.state === 'review' && latest?.approval === 'pending') {
        if (input !== 'review.verdict:PASS' || senderClass(sender) !== 'operator') return null;
        reg.resolveApproval(row.id, 'approved');
        reg.clearEscalations(row.id);
        return { input, reason: `approved by ${sender}` };
      }
      if (row.state === 'testing' && latest && latest.result === null) return null;
      const { gate, approval } = jobPolicy(spec, cfg);
      const check = reg.requestCheck(row.id, row.gen, gate ?? null);
      const why = input === 'job.done' ? 'done reported' : 'review passed';
      return {
        input: 'gate',
        reason:
          gate === undefined
            ? `${why}; the approval policy (${approval}) decides (check ${check.n})`
            : `${why}; quality gate run ${check.n}: ${gate}`,
      };
    },
    settle(job, from, to, input) {
      if (from === 'review' && to !== 'review')
        reg.resolveApproval(job, input === 'review.verdict:NOT_PASS' ? 'rejected' : 'superseded');
      // The agent's own testing or review phase, entered anew: a check left over from before no longer speaks for it.
      if (from !== to && (to === 'review' || to === 'testing') && input !== 'gate') {
        reg.resolveApproval(job, 'superseded');
        reg.closeOpenChecks(job, 'superseded');
      }
    },
  };
}

/**
 * The job's work is done and waits only for its gate or a person's approval: its session may
 * end (a `command` agent's program exits after its done) without the job being lost.
 */
export function awaitsCheck(reg: Registry, row: JobRow): boolean {
  if (row.state !== 'testing' && row.state !== 'review') return false;
  const c = reg.latestCheck(row.id);
  if (!c || c.gen !== row.gen) return false;
  return row.state === 'testing' ? c.result === null : c.approval === 'pending';
}
