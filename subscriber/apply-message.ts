import type { Opened } from '../core/envelope.js';
import { MamError } from '../core/errors.js';
import { applyBreakerReset } from './policies/breaker-reset.js';
import { applyScheduleCommand } from './schedules/apply-schedule.js';
import { applyRunCommand } from './workflows/apply-run.js';
import type { Outcome } from './outcome.js';
import type { DoneChecks } from './policies/done-checks.js';
import { afterOfSpec, dependencyCycle } from './scheduler/dependency-cycle.js';
import { nextState, transitionFor, type JobState, type Transition } from './state-machine.js';
import type { JobRow, Registry } from './registry/registry.js';
import { recordRejection } from './record-rejection.js';

export type { Outcome } from './outcome.js';

/** Operator commands about no job: their `job` field only keys the sender's seq. */
const NOT_FOR_JOB = new Set([
  'breaker.reset',
  'schedule.add',
  'schedule.remove',
  'run.start',
  'run.stop',
  'run.resume',
]);

/** The reason a committed resume leaves on its job until the new generation's launch. */
export const RESUMED_REASON = 'resumed by operator';

export interface ApplyContext {
  reg: Registry;
  host: string;
  /** how far below a sender's high-water mark an unseen seq is still accepted (late outbox resends) */
  replayWindow: number;
  /** clock-skew allowance (events.maxSkewSeconds) for senders on another host's clock, ms */
  skewMs: number;
  /** the expected artifacts of a job that are missing now (checked when a done would end it) */
  missingArtifacts?(job: JobRow): string[];
  /** quality gates and approvals: what a done or PASS does instead of done (subscriber/policies/done-checks.ts) */
  checks?: DoneChecks;
}

/**
 * Applies one verified message inside the caller's transaction. Order: known
 * job → replay (seq vs the stored high-water mark and the event log) →
 * generation → state transition → append event, update job, advance mark.
 * A message that is fresh but not applicable still consumes its seq (stored
 * with applied = 0), so a later replay of it can never become applicable.
 */
export function applyMessage(c: ApplyContext, o: Opened, raw: Buffer, topic: string, now: number): Outcome {
  const { msg } = o;
  // A breaker reset or a schedule is not about a job: its `job` only keys the sender's seq.
  const forJob = !NOT_FOR_JOB.has(msg.type);
  const job = forJob ? c.reg.getJob(msg.job) : undefined;
  if (!job && forJob && msg.type !== 'control.create')
    throw new MamError('UNKNOWN_JOB', `no job "${msg.job}" in the registry`);
  // A run's step sent to its host by this host, or claimed by this joined host for itself: its decision recorded the job already.
  const ownSend = !!job && job.host === o.topic.id && !!c.reg.runStepOfJob(job.id);
  if (job && msg.type === 'control.create' && !ownSend)
    throw new MamError('JOB_EXISTS', `job "${msg.job}" already exists`);
  if (job) refuseIfBeforeJob(c, job, o);

  const hwm = c.reg.hwm(msg.job, msg.sender);
  if (msg.seq <= hwm) {
    if (c.reg.hasEvent(msg.job, msg.sender, msg.seq))
      return { kind: 'duplicate', job: msg.job, sender: msg.sender, seq: msg.seq };
    if (msg.seq <= hwm - c.replayWindow)
      throw new MamError('STALE_SEQ', `seq ${msg.seq} is below the replay window (high-water mark ${hwm})`);
  }
  const consume = (applied: boolean, stateAfter: string | null) => {
    c.reg.insertEvent({
      job: msg.job,
      sender: msg.sender,
      seq: msg.seq,
      gen: msg.gen,
      type: msg.type,
      ts: msg.ts,
      received_at: now,
      kid: o.kid,
      applied: applied ? 1 : 0,
      state_after: stateAfter,
      raw,
    });
    if (msg.seq > hwm) c.reg.setHwm(msg.job, msg.sender, msg.seq);
  };
  const ids = { job: msg.job, sender: msg.sender, seq: msg.seq };
  if (msg.type === 'breaker.reset') return applyBreakerReset(c, o, consume);
  if (msg.type.startsWith('run.'))
    return applyRunCommand(c, o, now, consume, (err) => refuse(c, o, raw, topic, consume, err));
  if (!forJob) return applyScheduleCommand(c, o, now, consume);

  if (msg.type === 'control.create' && ownSend) {
    consume(false, null);
    return { kind: 'recorded', ...ids };
  }
  if (msg.type === 'control.create') {
    const body = msg.body as { agent: string; workdir?: string; launch?: boolean; priority?: number; after?: string[] };
    const cycle = dependencyCycle(msg.job, body.after ?? [], (id) => afterOfSpec(c.reg.getJob(id)?.spec));
    if (cycle)
      return refuse(
        c,
        o,
        raw,
        topic,
        consume,
        new MamError('DEPENDENCY_CYCLE', `job ${msg.job} would wait for itself: ${cycle.join(' → ')}`),
      );
    const host = o.topic.id;
    // A job whose agent is started elsewhere (launch: false) waits in starting for its job.started.
    const state: JobState = body.launch === false ? 'starting' : 'queued';
    c.reg.createJob({
      id: msg.job,
      state,
      host,
      agent: body.agent,
      workdir: body.workdir,
      spec: msg.body,
      bornTs: msg.ts,
      priority: body.priority,
    });
    consume(true, state);
    return { kind: 'created', ...ids, launch: body.launch !== false, ownHost: host === c.host };
  }
  const row = job as JobRow;
  if (msg.type === 'control.resume') {
    const to = c.reg.transitionJob(row, 'resume', RESUMED_REASON, { gen: row.gen + 1, eventAt: now });
    if (!to)
      return refuse(
        c,
        o,
        raw,
        topic,
        consume,
        new MamError('ILLEGAL_TRANSITION', `illegal transition: resume from ${row.state}`),
      );
    consume(true, to);
    return {
      kind: 'resumed',
      ...ids,
      gen: row.gen + 1,
      ownHost: row.host === c.host,
      prompt: (msg.body as { prompt?: string }).prompt,
    };
  }
  if (row.host !== c.host) {
    // Another host owns this job: keep the audit trail, take state only from the owner's snapshots.
    consume(false, null);
    return { kind: 'recorded', ...ids };
  }
  if (msg.gen !== row.gen) {
    return refuse(
      c,
      o,
      raw,
      topic,
      consume,
      new MamError('WRONG_GENERATION', `generation ${msg.gen} is not the job's current generation ${row.gen}`),
    );
  }
  let input: Transition = transitionFor(msg.type, msg.body);
  let reasonOverride: string | undefined;
  if (nextState(row.state, input) === 'done') {
    // A verified done is final only with its artifacts: otherwise the job waits, saying what is missing.
    const missing = c.missingArtifacts?.(row) ?? [];
    if (missing.length) {
      input = 'artifacts-missing';
      reasonOverride = `done reported but expected artifacts are missing: ${missing.join(', ')}`;
    } else if (c.checks) {
      // A gate or an approval first; a done while they are under way is kept in the log and changes nothing.
      const routed = c.checks.route(row, input, msg.sender);
      if (!routed) {
        consume(false, null);
        return { kind: 'recorded', ...ids };
      }
      ({ input, reason: reasonOverride } = routed);
    }
  }
  const to = nextState(row.state, input);
  if (!to)
    return refuse(
      c,
      o,
      raw,
      topic,
      consume,
      new MamError('ILLEGAL_TRANSITION', `illegal transition: ${input} in state ${row.state}`),
    );
  if (to !== row.state) c.checks?.settle(row.id, row.state, to, input);
  if (msg.type === 'review.verdict') {
    const b = msg.body as { verdict: string; findings: unknown[]; reviewer?: string };
    c.reg.insertVerdict({
      ...ids,
      verdict: b.verdict,
      findings: JSON.stringify(b.findings),
      reviewer: b.reviewer ?? null,
      ts: msg.ts,
    });
  }
  if (msg.type === 'job.started' && typeof msg.body.agentSessionId === 'string') {
    c.reg.setAgentSessionId(row.id, row.gen, msg.body.agentSessionId);
  }
  const reason =
    reasonOverride ?? (typeof msg.body.reason === 'string' ? msg.body.reason : to === row.state ? row.reason : null);
  if (to !== row.state || reason !== row.reason) c.reg.transitionJob(row, input, reason, { eventAt: now });
  // Every event of a batch carries the batch's `now`: after the first, the row already says so.
  else if (row.last_event_at !== now) c.reg.touchJob(row.id, now);
  consume(true, to);
  return { kind: 'applied', ...ids, type: msg.type, gen: msg.gen, from: row.state, to, input, reason, body: msg.body };
}

/**
 * An event signed before the job's control.create was meant for no job of
 * this incarnation (a stop kept in an outbox while the id was unknown, a
 * registry recreated under old ids): it may never touch the job. A sender on
 * this host's clock is held to the create's signed time exactly; any other
 * sender gets the clock-skew allowance. Thrown before the seq is consumed.
 */
function refuseIfBeforeJob(c: ApplyContext, job: JobRow, o: Opened): void {
  if (job.born_ts === null) return;
  const slack = o.msg.sender === `operator@${c.host}` ? 0 : c.skewMs;
  if (o.msg.ts < job.born_ts - slack) {
    throw new MamError(
      'PREDATES_JOB',
      `signed at ${new Date(o.msg.ts).toISOString()}, before job "${job.id}" was created (${new Date(job.born_ts).toISOString()})`,
    );
  }
}

/** A verified, fresh message that may not act: its seq is consumed and the refusal recorded, in the same savepoint. */
function refuse(
  c: ApplyContext,
  o: Opened,
  raw: Buffer,
  topic: string,
  consume: (applied: boolean, s: string | null) => void,
  err: MamError,
): Outcome {
  consume(false, null);
  return recordRejection(c.reg, err, topic, raw, o);
}
