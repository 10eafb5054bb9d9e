import type { Opened } from '../../core/envelope.js';
import { MamError } from '../../core/errors.js';
import type { RunIdBody, RunStartBody } from '../../schemas/event-bodies.js';
import type { ApplyContext, Outcome } from '../apply-message.js';
import { ownRun, startRun } from './start-run.js';
import { cancelRunJobs } from './stop-run.js';

/**
 * An operator's run.start, run.stop or run.resume, inside the commit that consumes its seq. Only
 * the host it is addressed to owns the run; other hosts keep the audit trail. The message's `job`
 * (`run-<id>` by convention) keys the operator's seq, so a replayed command is refused. A stop
 * cancels the run's unended jobs in the same commit (stop-run.ts).
 */
export function applyRunCommand(
  c: ApplyContext,
  o: Opened,
  now: number,
  consume: (applied: boolean, stateAfter: string | null) => void,
  refuse: (err: MamError) => Outcome,
): Outcome {
  const ids = { job: o.msg.job, sender: o.msg.sender, seq: o.msg.seq };
  if (o.topic.id !== c.host) {
    consume(false, null);
    return { kind: 'recorded', ...ids };
  }
  try {
    if (o.msg.type === 'run.start') {
      const b = o.msg.body as unknown as RunStartBody;
      const started = startRun(c.reg, c.host, { ...b, params: b.params ?? {}, by: o.msg.sender }, now);
      if (!started) throw new MamError('REFUSED', `a run "${b.id}" exists already`);
      consume(true, 'running');
      return { kind: 'recorded', ...ids };
    }
    const run = ownRun(c.reg, c.host, (o.msg.body as unknown as RunIdBody).id);
    if (o.msg.type === 'run.stop') {
      if (run.state !== 'running')
        throw new MamError('ILLEGAL_TRANSITION', `run ${run.id} is ${run.state}, not running`);
      const reason = `stopped by ${o.msg.sender}`;
      c.reg.setRunState(run.id, 'stopped', reason);
      const stopped = cancelRunJobs(c.reg, run, `run ${run.id} ${reason}`, now);
      consume(true, 'stopped');
      return { kind: 'run-stopped', ...ids, stopped };
    }
    if (run.state === 'running' || run.state === 'done')
      throw new MamError('ILLEGAL_TRANSITION', `run ${run.id} is ${run.state}: only a stopped or failed run resumes`);
    // The resume's time is the run's updated_at: steps that failed before it get a new attempt.
    c.reg.setRunState(run.id, 'running', null);
    consume(true, 'running');
    return { kind: 'recorded', ...ids };
  } catch (err) {
    if (err instanceof MamError) return refuse(err);
    throw err;
  }
}
