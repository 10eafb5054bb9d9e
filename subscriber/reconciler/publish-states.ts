import type { Logger } from '../../core/logger.js';
import type { Registry } from '../registry/registry.js';
import type { StatePublisher } from '../state-publisher.js';
import type { Committed } from './commit.js';

export interface PublishStatesDeps {
  reg: Registry;
  host: string;
  log: Logger;
  states: StatePublisher;
}

/** Publishes the retained, signed state of this host's jobs: after each committed batch, and on request. */
export function createStatePublishing(d: PublishStatesDeps) {
  const { reg, states } = d;
  return {
    /**
     * The state of every job of this host the batch touched, listing its committed
     * (sender, seq) pairs and its refusals: the acknowledgement `mam emit` waits for.
     * The publishes are queued on the connection at once; the promise resolves when
     * the broker has acknowledged them all (a failure is logged).
     */
    publishCommitted(done: Committed): Promise<void> {
      const publishes: Promise<void>[] = [];
      for (const job of done.touched) {
        if (reg.getJob(job)?.host === d.host)
          publishes.push(...states.publish(job, done.ackedByJob.get(job), done.refusedByJob.get(job)));
      }
      return Promise.all(publishes).then(
        () => undefined,
        (err) => d.log.warn('state publish failed', err),
      );
    },
    /** Publishes the retained state of a job of this host (after changes made outside the event path). */
    async publishState(job: string): Promise<void> {
      await reg.synced();
      await Promise.all(states.publish(job));
    },
  };
}
