/**
 * The job state machine: the one place that says which verified event or
 * reconciler action may move a job from one state to another.
 *
 * States. Live (a session may exist): starting, running, testing, review, blocked.
 * Waiting for a session: queued, retrying, lost. Terminal: done, failed, cancelled,
 * timeout; failed and timeout leave only through an operator's retry or resume.
 *
 * Events (sent by the job's agent or a reviewer, already verified):
 * - job.started      starting → running; running → running (a repeat is harmless).
 * - job.progress     no phase or phase "working": starting|testing|blocked → running,
 *                    running stays; ":testing" → testing and ":review" → review from
 *                    starting|running|testing|blocked. In review every progress keeps
 *                    review: only a verdict (or done) leaves it, so an agent cannot
 *                    grade itself out of review.
 * - job.heartbeat    live states only, never changes the state.
 * - job.blocked      starting|running|testing|review → blocked; blocked stays (a new reason).
 * - job.done         live states and lost → done (artifact checks are the caller's).
 * - job.failed       live states and lost → failed.
 * - job.cancelled    every non-terminal state → cancelled.
 * - review.verdict   PASS: review → done; NOT_PASS: review → running (rework).
 *                    In other non-terminal states a verdict is recorded, state unchanged.
 * Lost takes done and failed because an outbox flushed late may deliver the real
 * outcome after the sweep gave the session up; a late progress or heartbeat must
 * not revive a session that is gone, so those stay illegal there.
 *
 * Actions (taken by the reconciler or an operator):
 * - launch             queued|retrying → starting.
 * - resume             blocked|lost|failed|timeout|cancelled → starting (a new session
 *                      generation). Not done: a verified finish is final, new work is a
 *                      new job. Not from a live state other than blocked: that session is
 *                      still the job's and would be doubled.
 * - retry              failed → retrying.
 * - timeout            every non-terminal state → timeout.
 * - lost               live states → lost.
 * - artifacts-missing  wherever job.done is legal → blocked: a verified done (or PASS)
 *                      whose expected artifacts are missing, so the state says why.
 * - cancel             queued|retrying → cancelled: the scheduler gives up a waiting job
 *                      (a dependency failed or was cancelled).
 * - gate               wherever job.done is legal → testing: a verified done with its
 *                      artifacts, for a job with a quality gate, which runs now.
 * - gate-passed        testing → done.
 * - gate-failed        testing → running: the gate's failure went back to the agent as
 *                      its next prompt (the session is the same one).
 * - gate-relaunch      testing → starting (a new generation, the caller's): the gate's failure
 *                      goes to a new session as its prompt, for an agent that cannot be prompted
 *                      again (the `command` agent, or a session that is gone).
 * - gate-exhausted     testing → failed: the gate failed its last attempt.
 * - needs-approval     testing, or wherever job.done is legal → review: done is for a
 *                      person (or a reviewer's verdict) to decide.
 * - retry              also lost → retrying: a lost session is retried like a failure.
 *
 * Every other pair, and anything in done, is illegal (nextState returns null).
 */
import { MamError } from '../core/errors.js';
import type { JobProgressBody, ReviewVerdictBody } from '../schemas/event-bodies.js';

// biome-ignore format: a table, laid out to be read row by row
export const JOB_STATES = [
  'queued', 'starting', 'running', 'testing', 'review', 'blocked',
  'failed', 'retrying', 'done', 'cancelled', 'timeout', 'lost',
] as const;
export type JobState = (typeof JOB_STATES)[number];

export const TERMINAL_STATES = ['done', 'failed', 'cancelled', 'timeout'] as const;

/** States in which a job has (or is about to have) a session of its current generation at work. */
export const LIVE_STATES = [
  'starting',
  'running',
  'testing',
  'review',
  'blocked',
] as const satisfies readonly JobState[];

/** Inputs derived from verified events; progress and verdict carry their phase or kind. */
// biome-ignore format: a table, laid out to be read row by row
export const EVENT_TRANSITIONS = [
  'job.started', 'job.progress', 'job.progress:testing', 'job.progress:review',
  'job.heartbeat', 'job.blocked', 'job.done', 'job.failed', 'job.cancelled',
  'review.verdict:PASS', 'review.verdict:NOT_PASS',
] as const;

/** Inputs the reconciler (or an operator through it) applies on its own. */
// biome-ignore format: a table, laid out to be read row by row
export const ACTION_TRANSITIONS = [
  'launch', 'resume', 'retry', 'timeout', 'lost', 'artifacts-missing',
  'cancel', 'gate', 'gate-passed', 'gate-failed', 'gate-relaunch', 'gate-exhausted', 'needs-approval',
] as const;

export const TRANSITIONS = [...EVENT_TRANSITIONS, ...ACTION_TRANSITIONS] as const;
export type EventTransition = (typeof EVENT_TRANSITIONS)[number];
export type ActionTransition = (typeof ACTION_TRANSITIONS)[number];
export type Transition = EventTransition | ActionTransition;

type Row = Readonly<Partial<Record<Transition, JobState>>>;

// Each row lists the only inputs legal in that state; a missing key is illegal.
// biome-ignore format: a table, laid out to be read row by row
const TABLE: { readonly [S in JobState]: Row } = {
  queued: {
    'job.cancelled': 'cancelled',
    'review.verdict:PASS': 'queued', 'review.verdict:NOT_PASS': 'queued',
    launch: 'starting', timeout: 'timeout', cancel: 'cancelled',
  },
  starting: {
    'job.started': 'running',
    'job.progress': 'running', 'job.progress:testing': 'testing', 'job.progress:review': 'review',
    'job.heartbeat': 'starting', 'job.blocked': 'blocked',
    'job.done': 'done', 'job.failed': 'failed', 'job.cancelled': 'cancelled',
    'review.verdict:PASS': 'starting', 'review.verdict:NOT_PASS': 'starting',
    timeout: 'timeout', lost: 'lost', 'artifacts-missing': 'blocked',
    gate: 'testing', 'needs-approval': 'review',
  },
  running: {
    'job.started': 'running',
    'job.progress': 'running', 'job.progress:testing': 'testing', 'job.progress:review': 'review',
    'job.heartbeat': 'running', 'job.blocked': 'blocked',
    'job.done': 'done', 'job.failed': 'failed', 'job.cancelled': 'cancelled',
    'review.verdict:PASS': 'running', 'review.verdict:NOT_PASS': 'running',
    timeout: 'timeout', lost: 'lost', 'artifacts-missing': 'blocked',
    gate: 'testing', 'needs-approval': 'review',
  },
  testing: {
    'job.progress': 'running', 'job.progress:testing': 'testing', 'job.progress:review': 'review',
    'job.heartbeat': 'testing', 'job.blocked': 'blocked',
    'job.done': 'done', 'job.failed': 'failed', 'job.cancelled': 'cancelled',
    'review.verdict:PASS': 'testing', 'review.verdict:NOT_PASS': 'testing',
    timeout: 'timeout', lost: 'lost', 'artifacts-missing': 'blocked',
    gate: 'testing', 'needs-approval': 'review',
    'gate-passed': 'done', 'gate-failed': 'running', 'gate-relaunch': 'starting', 'gate-exhausted': 'failed',
  },
  review: {
    'job.progress': 'review', 'job.progress:testing': 'review', 'job.progress:review': 'review',
    'job.heartbeat': 'review', 'job.blocked': 'blocked',
    'job.done': 'done', 'job.failed': 'failed', 'job.cancelled': 'cancelled',
    'review.verdict:PASS': 'done', 'review.verdict:NOT_PASS': 'running',
    timeout: 'timeout', lost: 'lost', 'artifacts-missing': 'blocked',
    gate: 'testing', 'needs-approval': 'review',
  },
  blocked: {
    'job.progress': 'running', 'job.progress:testing': 'testing', 'job.progress:review': 'review',
    'job.heartbeat': 'blocked', 'job.blocked': 'blocked',
    'job.done': 'done', 'job.failed': 'failed', 'job.cancelled': 'cancelled',
    'review.verdict:PASS': 'blocked', 'review.verdict:NOT_PASS': 'blocked',
    resume: 'starting', timeout: 'timeout', lost: 'lost', 'artifacts-missing': 'blocked',
    gate: 'testing', 'needs-approval': 'review',
  },
  failed: { resume: 'starting', retry: 'retrying' },
  retrying: {
    'job.cancelled': 'cancelled',
    'review.verdict:PASS': 'retrying', 'review.verdict:NOT_PASS': 'retrying',
    launch: 'starting', timeout: 'timeout', cancel: 'cancelled',
  },
  done: {},
  cancelled: { resume: 'starting' },
  timeout: { resume: 'starting' },
  lost: {
    'job.done': 'done', 'job.failed': 'failed', 'job.cancelled': 'cancelled',
    'review.verdict:PASS': 'lost', 'review.verdict:NOT_PASS': 'lost',
    resume: 'starting', timeout: 'timeout', 'artifacts-missing': 'blocked',
    gate: 'testing', 'needs-approval': 'review', retry: 'retrying',
  },
};

/** The state `input` moves a job in `state` to, or null when the transition is illegal. */
export function nextState(state: JobState, input: Transition): JobState | null {
  // hasOwn: both values may come from the database or the wire at run time,
  // and a name like "constructor" must not find something on the prototype.
  if (!Object.hasOwn(TABLE, state)) return null;
  const row = TABLE[state];
  return Object.hasOwn(row, input) ? (row[input] ?? null) : null;
}

/** True for starting, running, testing, review and blocked. */
export function isLive(state: JobState): boolean {
  return (LIVE_STATES as readonly string[]).includes(state);
}

/** True for done, failed, cancelled and timeout. */
export function isTerminal(state: JobState): boolean {
  return (TERMINAL_STATES as readonly string[]).includes(state);
}

// The event types as they travel: the inputs above without a ":phase" or ":kind" suffix.
const PLAIN_EVENT_TYPES: readonly string[] = EVENT_TRANSITIONS.filter((t) => !t.includes(':'));

/**
 * The transition input for a verified event: job.progress splits by body.phase
 * (none or "working" is plain progress), review.verdict by body.verdict.
 * Throws MAM_ERR_SCHEMA for anything validation should already have refused:
 * a type that does not change job state, an unknown phase, a verdict without a kind.
 */
export function transitionFor(type: string, body: unknown): Transition {
  if (type === 'job.progress') {
    const phase = (body as JobProgressBody | null | undefined)?.phase;
    if (phase === undefined || phase === 'working') return 'job.progress';
    if (phase === 'testing' || phase === 'review') return `job.progress:${phase}`;
    throw new MamError('SCHEMA', `job.progress body has an unknown phase`);
  }
  if (type === 'review.verdict') {
    const verdict = (body as ReviewVerdictBody | null | undefined)?.verdict;
    if (verdict === 'PASS' || verdict === 'NOT_PASS') return `review.verdict:${verdict}`;
    throw new MamError('SCHEMA', `review.verdict body has no verdict PASS or NOT_PASS`);
  }
  if (PLAIN_EVENT_TYPES.includes(type)) return type as EventTransition;
  throw new MamError('SCHEMA', `"${type}" is not an event type that changes job state`);
}
