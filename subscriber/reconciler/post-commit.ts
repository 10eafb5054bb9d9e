import type { Logger } from '../../core/logger.js';
import type { Outcome } from '../apply-message.js';

export interface PostCommitDeps {
  log: Logger;
  /** the hooks' afterCommit, looked up for each batch (the hooks are created once connected) */
  afterCommit(): ((outcomes: Outcome[]) => void | Promise<void>) | undefined;
}

/**
 * Hands each committed batch's outcomes to the post-commit actions (launch,
 * terminate …) and keeps count of the jobs whose actions are still to finish.
 */
export function createPostCommit(d: PostCommitDeps) {
  /** jobs of committed batches whose post-commit work (launch, termination) has not finished, by count */
  const settling = new Map<string, number>();
  let actions: Promise<void> = Promise.resolve();
  return {
    /** True while a committed batch's post-commit work for the job (launch, termination) is still to finish. */
    settling: (job: string): boolean => settling.has(job),
    /** The post-commit work handed over so far, all of it. */
    actions: (): Promise<void> => actions,
    /**
     * Marks a committed batch's jobs as settling. `handOver` starts the batch's
     * actions; `end`, called whether or not they were handed over, settles the
     * jobs once those actions are done.
     */
    begin(outcomes: Outcome[]): { handOver(): void; end(): void } {
      // Until the batch's post-commit work is done, the drift sweep leaves its jobs to it.
      const jobs = [
        ...new Set(
          outcomes.flatMap((o) => [
            ...(o.job ? [o.job] : []),
            ...(o.kind === 'run-stopped' ? o.stopped.map((s) => s.job) : []),
          ]),
        ),
      ];
      for (const j of jobs) settling.set(j, (settling.get(j) ?? 0) + 1);
      const settled = () => {
        for (const j of jobs) {
          const n = (settling.get(j) ?? 1) - 1;
          if (n > 0) settling.set(j, n);
          else settling.delete(j);
        }
      };
      // The batch's session actions when it has any, else nothing: the jobs settle when it is done.
      let handedOver: Promise<unknown> = Promise.resolve();
      return {
        handOver() {
          // Launches and terminations run outside ingestion, so a slow session never stalls it; batches are
          // handed over in commit order but not queued behind each other's work (the hook keeps each job's
          // actions in order), so one job's slow launch never delays another job's termination.
          const run = d.afterCommit();
          if (!run) return;
          const started = Promise.resolve()
            .then(() => run(outcomes))
            .catch((err) => d.log.error('post-commit action failed', err));
          actions = Promise.all([actions, started]).then(() => undefined);
          handedOver = started;
        },
        end() {
          void handedOver.then(settled);
        },
      };
    },
  };
}
