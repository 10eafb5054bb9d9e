import type { Config } from '../../core/config.js';
import type { JobSpec } from '../launch-session.js';
import type { JobRow } from '../registry/registry.js';
import { backoffMs, jobPolicy, type JobPolicy } from './job-policy.js';

export type RetryDecision =
  | { kind: 'retry'; attempts: number; notBefore: number; reason: string }
  | { kind: 'give-up'; reason: string };

const REASON_MAX = 4000;

/**
 * How a failed or lost job's reason starts once its retries are used up (or the agent said
 * retrying would not help): the decision is recorded, so it is never taken twice.
 */
const GAVE_UP = ['retries exhausted', 'not retried'] as const;

export function gaveUp(reason: string | null): boolean {
  return reason !== null && GAVE_UP.some((p) => reason.startsWith(p));
}

/**
 * What follows a failed or lost generation under the job's policy: a retry after the backoff
 * (attempt n waits backoffMs(policy, n) from `now`), giving up, or nothing when the job has no
 * retries at all (a plain failure). `retryable`: false when the agent's job.failed said so.
 */
export function decideRetry(
  row: JobRow,
  policy: Pick<JobPolicy, 'retries' | 'backoffMinMs' | 'backoffMaxMs'>,
  now: number,
  retryable = true,
): RetryDecision | undefined {
  if (policy.retries === 0) return undefined;
  const why = row.reason ?? row.state;
  if (!retryable)
    return {
      kind: 'give-up',
      reason: `not retried: the agent reported the failure as not retryable: ${why}`.slice(0, REASON_MAX),
    };
  if (row.attempts >= policy.retries)
    return {
      kind: 'give-up',
      reason: `retries exhausted (${row.attempts} of ${policy.retries}) after: ${why}`.slice(0, REASON_MAX),
    };
  const attempts = row.attempts + 1;
  const notBefore = now + backoffMs(policy, attempts);
  const reason = `retry ${attempts} of ${policy.retries} at ${new Date(notBefore).toISOString()} after: ${why}`.slice(
    0,
    REASON_MAX,
  );
  return { kind: 'retry', attempts, notBefore, reason };
}

/**
 * A dependency's state as its dependents see it: failed with a retry still to come (its policy has
 * retries left and giving up is not in its reason yet) is not its end, so they wait on as for a
 * retrying job instead of being cancelled in the moment between the failure and the retry. A job
 * of another host is judged by its signed create and this host's defaults; its owner writes giving
 * up into the reason it publishes.
 */
export function stateForDependents(row: JobRow | undefined, cfg: Config): string | undefined {
  if (row?.state !== 'failed' || gaveUp(row.reason)) return row?.state;
  const spec = JSON.parse(row.spec) as JobSpec & { launch?: boolean };
  return spec.launch !== false && row.attempts < jobPolicy(spec, cfg).retries ? 'retrying' : 'failed';
}
