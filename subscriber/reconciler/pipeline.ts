import type { Committed } from './commit.js';
import type { Pending } from './verify.js';

export interface PipelineSteps {
  commit(items: Pending[]): Committed;
  /** false: the registry was lost, the batch goes no further */
  acknowledge(items: Pending[]): Promise<boolean>;
  publishStates(done: Committed): Promise<void>;
  postCommit: { begin(outcomes: Committed['outcomes']): { handOver(): void; end(): void } };
}

/**
 * Routes a gathered batch through the steps that follow its verification:
 * commit → acknowledge (once on disk) → publish state → post-commit actions.
 */
export function createPipeline(s: PipelineSteps) {
  return async (items: Pending[]): Promise<void> => {
    const done = s.commit(items);
    const post = s.postCommit.begin(done.outcomes);
    try {
      if (!(await s.acknowledge(items))) return;
      const published = s.publishStates(done);
      // The session actions start beside the state publishes (already queued on the connection, so
      // still sent first), not after their PUBACKs.
      post.handOver();
      await published;
    } finally {
      post.end();
    }
  };
}
