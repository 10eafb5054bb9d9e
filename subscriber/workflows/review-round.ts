import type { Config } from '../../core/config.js';
import type { Registry } from '../registry/registry.js';
import type { RunStepRow } from '../registry/run-writes.js';
import { jobOutcome } from './run-outcome.js';

/** A finding as schemas/events/review.verdict.json has it: structured, never parsed out of text. */
export interface Finding {
  message: string;
  severity?: string;
  file?: string;
  line?: number;
}

export type ReviewOutcome =
  | { kind: 'none' }
  | { kind: 'live' }
  | { kind: 'failed'; why: string }
  | { kind: 'pass'; findings: Finding[] }
  | { kind: 'not-pass'; findings: Finding[] };

/**
 * The run_steps key of a step's reviews (its attempt is the review's round, counted over the
 * item's attempts) and the reviewer's job id: `<job>-rv`, then `<job>-rv2` … for the further rounds
 * of a job held in its live session (held-review.ts).
 */
export const reviewKey = (step: string) => `${step}.review`;
export const reviewJobId = (stepJob: string, n = 1) => `${stepJob}-rv${n === 1 ? '' : n}`;
/** Whether a reviewer's job id is one of `stepJob`'s reviews. */
export const isReviewOf = (reviewer: string, stepJob: string) =>
  reviewer.startsWith(`${stepJob}-rv`) && /^\d*$/.test(reviewer.slice(stepJob.length + 3));
/** A follow-up job of a finding: deterministic too, so a decision taken again creates none twice. */
export const followupJobId = (stepJob: string, n: number) => `${stepJob}-f${n}`;

/**
 * What the review of one attempt says: the reviewer's job answers with `mam verdict` on itself
 * (only that job's key or an operator's can sign on its verdicts topic), then ends done. Its
 * latest verdict decides; a reviewer that ended without one, or failed, fails the round.
 */
export function reviewOutcome(reg: Registry, row: RunStepRow | undefined, cfg: Config): ReviewOutcome {
  if (!row) return { kind: 'none' };
  const job = reg.getJob(row.job);
  const ended = job ? jobOutcome(job, cfg) : 'going';
  if (ended === 'ended') return { kind: 'failed', why: `the reviewer ${row.job} ended ${job!.state}` };
  if (ended !== 'done') return { kind: 'live' };
  const v = reg.listVerdicts(row.job).at(-1);
  if (!v) return { kind: 'failed', why: `the reviewer ${row.job} ended without a verdict` };
  const findings = v.findings as Finding[];
  return v.verdict === 'PASS' ? { kind: 'pass', findings } : { kind: 'not-pass', findings };
}

/** Findings as lines for a prompt: `- [major] src/a.ts:12: off by one`. */
export function findingsText(findings: Finding[]): string {
  return findings
    .map((f) => {
      const where = f.file ? `${f.file}${f.line !== undefined ? `:${f.line}` : ''}: ` : '';
      return `- ${f.severity ? `[${f.severity}] ` : ''}${where}${f.message}`;
    })
    .join('\n');
}

/** The reviewer's prompt: the step's own review prompt (a template, filled by the caller) and how to answer. */
export function reviewerPrompt(own: string | undefined, stepJob: string, round: number): string {
  return `${own ? `${own}\n\n` : ''}Review the work of job ${stepJob} (round ${round}), on branch mam/${stepJob}: your worktree starts there.
Answer with \`mam verdict PASS\` or \`mam verdict NOT_PASS --finding-json '{"message":"…","severity":"major","file":"…","line":1}'\` (one --finding-json per finding), then \`mam emit job.done\`.`;
}

/** The next round's prompt: what the review found, then the step's task as before. */
export function reworkPrompt(findings: Finding[], task: string | undefined): string {
  return `A review of your previous attempt did not pass. Its findings:\n${findingsText(findings)}\n\nFix them.${task ? `\n\nThe task was:\n${task}` : ''}`;
}
