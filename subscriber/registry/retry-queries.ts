import type Database from 'better-sqlite3';
import { loggedBody } from './queries.js';
import type { JobRow } from './rows.js';

/** The retry policy's named queries (subscriber/policies/retry-decision.ts). */
export function createRetryQueries(db: Database.Database) {
  const q = {
    nextDeadline: db
      .prepare<[string, number], number | null>(
        "SELECT MIN(not_before) FROM jobs WHERE host = ? AND state = 'retrying' AND not_before > ?",
      )
      .pluck(),
    recentFailures: db.prepare<[string, number], JobRow>(
      "SELECT * FROM jobs WHERE host = ? AND state IN ('failed', 'lost') AND updated_at >= ?",
    ),
    lastFailure: db
      .prepare<[string, number], Buffer>(
        "SELECT raw FROM events WHERE job = ? AND gen = ? AND type = 'job.failed' AND applied = 1 ORDER BY id DESC LIMIT 1",
      )
      .pluck(),
  };
  return {
    /** The earliest backoff deadline after `now` among `host`'s retrying jobs: when the next retry may launch. */
    nextRetryDeadline: (host: string, now: number): number | undefined => q.nextDeadline.get(host, now) ?? undefined,
    /**
     * `host`'s failed and lost jobs that changed after `since`: those whose retry may still be owed after a restart.
     */
    recentFailures: (host: string, since: number): JobRow[] => q.recentFailures.all(host, since),
    /**
     * Whether the agent's job.failed that ended generation `gen` said it may be retried (its body's `retryable`), if it
     * said.
     */
    failureRetryable(job: string, gen: number): boolean | undefined {
      const raw = q.lastFailure.get(job, gen);
      const retryable = raw && loggedBody(raw)?.retryable;
      return typeof retryable === 'boolean' ? retryable : undefined;
    },
  };
}
