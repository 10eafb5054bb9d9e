import type { Config } from '../../core/config.js';
import type { JobSpec } from '../launch-session.js';
import { jobPolicy } from '../policies/job-policy.js';
import type { JobRow, Registry } from '../registry/registry.js';
import type { RunStepRow } from '../registry/run-writes.js';
import type { Transition } from '../state-machine.js';
import { type Finding, findingsText, type ReviewOutcome } from './review-round.js';

/** What a decision does to held step jobs after its commit: sessions to end, prompts to bring to live sessions. */
export interface HeldActions {
  ends: Array<{ job: string; gen: number; reason: string }>;
  prompts: Array<{ job: string; gen: number; prompt: string }>;
}

/**
 * A step with a review, whose agent's adapter can bring a live session a new prompt (claude,
 * codex, gemini, hermes …), is held after its gate: its done waits in review with its session
 * live, so that a NOT_PASS's findings go to the same session (gate-runner.ts holds it). An
 * approval other than auto is a person's to give, and such a job is not held.
 */
export function holdsForReview(spec: JobSpec, cfg: Config): boolean {
  return spec.reviewHold === true && jobPolicy(spec, cfg).approval === 'auto';
}

/** The job waits in review, held for its run's reviewer: its check's approval pending, in this generation. */
export function heldForReview(reg: Registry, row: JobRow, cfg: Config): boolean {
  if (row.state !== 'review' || !holdsForReview(JSON.parse(row.spec) as JobSpec, cfg)) return false;
  const c = reg.latestCheck(row.id);
  return c?.gen === row.gen && c.approval === 'pending';
}

/** The prompt a held session gets after a NOT_PASS: the findings; the task is the session's already. */
export function heldReworkPrompt(findings: Finding[], round: number): string {
  return `The review (round ${round}) of your work did not pass. Its findings:\n${findingsText(findings)}\n\nFix them, then finish the way you did before: your work is reviewed again.`;
}

export type HeldView =
  | { status: 'review' }
  | { status: 'live' | 'failed' | 'done' | 'exhausted' | 'rework'; review: RunStepRow; findings?: Finding[] };

/**
 * One decision about a held step job, inside the run's transaction. The review of this hold is the
 * job's latest reviewer decided after the hold began (the check's end); none yet → a reviewer is
 * due. PASS → done; NOT_PASS with rounds left → running, the findings brought to its live session
 * after the commit (or, its session gone, the job cancelled and the round a new attempt); rounds
 * exhausted or a reviewer that failed → the job cancelled, the step failed. Each move goes through
 * the state table, and the session of a job that ended is ended after the commit.
 */
export function decideHeld(
  reg: Registry,
  job: JobRow,
  review: RunStepRow | undefined,
  outcome: (r: RunStepRow | undefined) => ReviewOutcome,
  maxRounds: number,
  acts: HeldActions,
  now: number,
): HeldView {
  const since = reg.latestCheck(job.id)?.ended_at ?? 0;
  const current = review && review.decided_at >= since ? review : undefined;
  const o = outcome(current);
  if (o.kind === 'none') return { status: 'review' };
  const r = current!;
  if (o.kind === 'live') return { status: 'live', review: r };
  const end = (input: Transition, reason: string, approval: 'approved' | 'rejected') => {
    reg.resolveApproval(job.id, approval);
    if (reg.transitionJob(job, input, reason, { eventAt: now })) acts.ends.push({ job: job.id, gen: job.gen, reason });
  };
  if (o.kind === 'failed') {
    end('job.cancelled', `${o.why}: the review round failed`, 'rejected');
    return { status: 'failed', review: r };
  }
  if (o.kind === 'pass') {
    end('review.verdict:PASS', `its review ${r.job} passed`, 'approved');
    return { status: 'done', review: r, findings: o.findings };
  }
  if (r.attempt >= maxRounds) {
    end('job.cancelled', `its review did not pass in ${r.attempt} rounds`, 'rejected');
    return { status: 'exhausted', review: r, findings: o.findings };
  }
  const session = reg.getSession(job.id, job.gen);
  if (session && !session.ended_at) {
    reg.resolveApproval(job.id, 'rejected');
    const reason = `review round ${r.attempt} did not pass: its findings went to the session as its next prompt`;
    if (reg.transitionJob(job, 'review.verdict:NOT_PASS', reason, { eventAt: now }))
      acts.prompts.push({ job: job.id, gen: job.gen, prompt: heldReworkPrompt(o.findings, r.attempt) });
    return { status: 'live', review: r };
  }
  end(
    'job.cancelled',
    `review round ${r.attempt} did not pass and its session is gone: a new attempt reworks it`,
    'rejected',
  );
  return { status: 'rework', review: r, findings: o.findings };
}
