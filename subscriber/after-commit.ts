import type { Logger } from '../core/logger.js';
import type { Outcome } from './outcome.js';
import type { JobRow, Registry } from './registry/registry.js';
import { isTerminal } from './state-machine.js';

export interface AfterCommitDeps {
  reg: Registry;
  host: string;
  log: Logger;
  scheduler: { kick(): Promise<void> | void };
  runs: { advance(): Promise<void> };
  escalations: { afterCommit(o: Outcome[]): Promise<void>; settle(job: string): Promise<unknown> };
  gates: { abandon(job: string): void; run(job: string): Promise<void> };
  /** runs work after the job's earlier actions, in order */
  onJob(job: string, work: () => Promise<void>): Promise<void>;
  resume(job: string, gen: number, prompt?: string): Promise<void>;
  /** ends the job's session after its terminal state was committed; its policies decide what follows */
  end(row: JobRow, reason: string): Promise<void>;
  /** tells another host to cancel its job (a run's step placed there): the operator's signed job.cancelled */
  cancelElsewhere(job: string, reason: string): Promise<void>;
}

/**
 * What a committed batch's outcomes set going: the queue, the runs' next decisions, escalations,
 * launches of resumed generations, quality gates, and the end of each session whose job reached a
 * terminal state (a verified terminal event, or a run's stop that cancelled its jobs).
 */
export function createAfterCommit(d: AfterCommitDeps) {
  const { reg, host } = d;
  // The job's generation is still the one the commit ended: a later resume's session is never touched.
  const endCommitted = (job: string, gen: number, reason: string) =>
    d.onJob(job, async () => {
      const row = reg.getJob(job);
      if (row && row.host === host && row.gen === gen) await d.end(row, reason);
    });

  return async function afterCommit(outcomes: Outcome[]): Promise<void> {
    // Created jobs, freed slots and dependencies that ended: the queue decides what launches now.
    const kicked = d.scheduler.kick();
    // Queued at once, in commit order; awaited together, so the reconciler's close still waits for all of it.
    await Promise.all([
      kicked,
      d.runs.advance(),
      d.escalations.afterCommit(outcomes),
      ...outcomes.map((o) => {
        if (o.kind === 'resumed' && o.ownHost) return d.onJob(o.job, () => d.resume(o.job, o.gen, o.prompt));
        if (o.kind === 'applied' && o.from === 'testing' && o.to !== 'testing') d.gates.abandon(o.job);
        if (o.kind === 'applied' && o.input === 'gate') return d.onJob(o.job, () => d.gates.run(o.job));
        // Committed already (the queue, kicked above, launches what the breaker held); said here for the log.
        if (o.kind === 'breaker-reset')
          return void d.log.info('breaker reset by operator', { agent: o.agent, was: o.was, by: o.sender });
        if (o.kind === 'run-stopped')
          return Promise.all(
            o.stopped.map(async (s) => {
              if (s.host)
                return d
                  .cancelElsewhere(s.job, `run stopped by ${o.sender}`)
                  .catch((err: Error) => d.log.warn('stop not sent', { job: s.job, error: err.message }));
              if (s.from === 'testing') d.gates.abandon(s.job);
              await d.escalations.settle(s.job);
              await endCommitted(s.job, s.gen, `run.stop (seq ${o.seq} from ${o.sender})`);
            }),
          );
        if (o.kind === 'applied' && o.from !== o.to && isTerminal(o.to))
          return endCommitted(o.job, o.gen, `${o.type} (seq ${o.seq} from ${o.sender})`);
        return undefined;
      }),
    ]);
  };
}
