import { loggedBody } from './queries.js';
import type { JobRow, Registry } from './registry.js';

/** The earliest backoff deadline after `now` among `host`'s retrying jobs: when the next retry may launch. */
export function nextRetryDeadline(reg: Registry, host: string, now: number): number | undefined {
  const at = reg.db
    .prepare<[string, number], number | null>("SELECT MIN(not_before) FROM jobs WHERE host = ? AND state = 'retrying' AND not_before > ?")
    .pluck()
    .get(host, now);
  return at ?? undefined;
}

/** `host`'s failed and lost jobs that changed after `since`: those whose retry may still be owed after a restart. */
export function recentFailures(reg: Registry, host: string, since: number): JobRow[] {
  return reg.db.prepare<[string, number], JobRow>("SELECT * FROM jobs WHERE host = ? AND state IN ('failed', 'lost') AND updated_at >= ?").all(host, since);
}

/** Whether the agent's job.failed that ended generation `gen` said it may be retried (its body's `retryable`), if it said. */
export function failureRetryable(reg: Registry, job: string, gen: number): boolean | undefined {
  const raw = reg.db
    .prepare<[string, number], Buffer>("SELECT raw FROM events WHERE job = ? AND gen = ? AND type = 'job.failed' AND applied = 1 ORDER BY id DESC LIMIT 1")
    .pluck()
    .get(job, gen);
  const retryable = raw && loggedBody(raw)?.retryable;
  return typeof retryable === 'boolean' ? retryable : undefined;
}
