import type { Registry } from '../registry/registry.js';
import type { RunRow } from '../registry/run-writes.js';
import { isTerminal, nextState, type JobState, type Transition } from '../state-machine.js';
import { blockerJobId } from './blocked-steps.js';

/** A job of a run that its stop ended: its session (if any) is ended after the commit, as for a job.cancelled. */
export interface StoppedJob {
  job: string;
  gen: number;
  from: JobState;
  /** a job of another host: not moved here; its host is sent the operator's signed job.cancelled */
  host?: string;
}

/**
 * Inside the commit of an operator's run.stop: every job of the run that has not ended — its steps'
 * and reviewers' jobs, and the blocker jobs of its steps — moves to cancelled through the state
 * table, with the stop as its reason. A waiting job (queued, retrying) never launches; a live one's
 * session is ended by the caller after the commit, through the one path a verified job.cancelled
 * takes (terminate-session.ts checks the session is still the job's); a step job of another host
 * gets the operator's signed job.cancelled, as `mam job stop` sends it. Follow-up jobs run beside
 * the run and are left alone. `mam run resume` gives each such step a new attempt.
 */
export function cancelRunJobs(reg: Registry, run: RunRow, reason: string, now: number): StoppedJob[] {
  const stopped: StoppedJob[] = [];
  const cancel = (id: string) => {
    const row = reg.getJob(id);
    if (!row || isTerminal(row.state)) return;
    // Only its owner moves a job of another host (a step placed there): it is told after the commit.
    if (row.host !== run.host) return void stopped.push({ job: id, gen: row.gen, from: row.state, host: row.host });
    // queued and retrying wait for a slot: the scheduler's own give-up; anything else as a job.cancelled.
    const input: Transition = nextState(row.state, 'cancel') ? 'cancel' : 'job.cancelled';
    if (reg.transitionJob(row, input, reason, { eventAt: now }))
      stopped.push({ job: id, gen: row.gen, from: row.state });
  };
  for (const step of reg.runSteps(run.id)) {
    const row = reg.getJob(step.job);
    for (let g = 1; row && g <= row.gen; g++) cancel(blockerJobId(step.job, g));
    cancel(step.job);
  }
  return stopped;
}
