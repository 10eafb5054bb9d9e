import type { Config } from '../../core/config.js';
import { errorData, type Logger } from '../../core/logger.js';
import type { JobSpec } from '../launch-session.js';
import type { Registry } from '../registry/registry.js';
import { createBreakers, type Escalation } from './breakers.js';
import { jobPolicy } from './job-policy.js';
import { decideRetry, gaveUp } from './retry-decision.js';

export interface JobPolicyDeps {
  reg: Registry;
  host: string;
  cfg: Config;
  log: Logger;
  publishState(job: string): Promise<void>;
  /** Runs the queue (the scheduler decides what launches). */
  kick(): Promise<void>;
  /** A launch or termination of the job is under way, or a committed batch's work for it. */
  busy(job: string): boolean;
  escalate(e: Escalation): unknown;
}

// setTimeout's longest delay; a later deadline is looked at again by the sweep.
const MAX_DELAY_MS = 2 ** 31 - 1;

/**
 * What follows a job's outcome on this host (docs/POLICIES.md): a failed or lost generation is
 * retried after its backoff while its retries last, and counted by its agent's circuit breaker;
 * a done resets the breaker's run. Retry deadlines (jobs.not_before) and breaker cooldowns are in
 * the registry; one timer kicks the queue at the earliest of them, and the sweep looks again.
 */
export function createJobPolicies(d: JobPolicyDeps) {
  const { reg, host, log } = d;
  const breakers = createBreakers(d);
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  let recovered = false;

  /**
   * Decides what follows generation `gen` of `job` once it has an outcome: done, or failed or lost
   * with its session ended (a new generation never runs beside the old one). Idempotent: a retry
   * leaves failed/lost, giving up is written into the reason. `count`: the breaker counts a failure.
   */
  async function settle(job: string, gen: number, count = true): Promise<void> {
    const row = reg.getJob(job);
    if (!row || row.host !== host || row.gen !== gen) return;
    if (row.state === 'done') return breakers.succeeded(row);
    if ((row.state !== 'failed' && row.state !== 'lost') || gaveUp(row.reason)) return;
    const session = reg.getSession(job, gen);
    if (session && !session.ended_at) return;
    if (count) breakers.failed(row, row.updated_at, row.reason ?? row.state);
    const spec = JSON.parse(row.spec) as JobSpec & { launch?: boolean };
    // An agent started elsewhere (launch: false) is not this host's to start again.
    if (spec.launch === false) return;
    const retryable = row.state === 'lost' || reg.failureRetryable(job, gen) !== false;
    const decision = decideRetry(row, jobPolicy(spec, d.cfg), Date.now(), retryable);
    if (!decision) return;
    if (decision.kind === 'retry') {
      reg.transaction(() => {
        if (reg.transitionJob(row, 'retry', decision.reason)) reg.setRetry(job, decision.attempts, decision.notBefore);
      });
      log.info('job retrying', {
        job,
        gen,
        attempt: decision.attempts,
        notBefore: new Date(decision.notBefore).toISOString(),
      });
      arm();
    } else {
      reg.setJobReason(row, decision.reason);
      log.warn('job not retried', { job, gen, untrusted: { reason: decision.reason } });
      d.escalate({ job, host, kind: 'retries-exhausted', reason: decision.reason, command: `mam job resume ${job}` });
    }
    await d.publishState(job);
  }

  /** Sets the one timer to the earliest retry deadline or breaker cooldown still ahead. */
  function arm(): void {
    clearTimeout(timer);
    timer = undefined;
    if (closed) return;
    const now = Date.now();
    const due = [reg.nextRetryDeadline(host, now), breakers.cool(now)].filter((t): t is number => t !== undefined);
    if (!due.length) return;
    // One millisecond late: a timer may fire just before Date.now() reaches the deadline.
    timer = setTimeout(() => void tick(), Math.min(MAX_DELAY_MS, Math.max(0, Math.min(...due) - now + 1)));
    timer.unref();
  }

  async function tick(): Promise<void> {
    timer = undefined;
    try {
      breakers.cool(Date.now());
      await d.kick();
      arm();
    } catch (err) {
      if (!closed) log.warn('retry timer failed; the sweep looks again', { error: errorData(err) });
    }
  }

  arm();
  return {
    settle,
    /** Why the breaker keeps `job` of `agent` from launching (the scheduler's breakerHolds). */
    breakerHolds: (agent: string, job: string) => breakers.holds(agent, job),
    /** The scheduler launches `job` (a half-open breaker takes it as its probe). */
    launching: (job: string) => breakers.launching(job),
    /**
     * Each sweep: the timer is set again; the first also takes the retry decisions a reconciler
     * stopped before taking (failed or lost within events.maxAgeSeconds, not yet decided). The
     * breaker does not count those again: a done since may have ended their run.
     */
    async sweep(): Promise<void> {
      if (!recovered) {
        recovered = true;
        for (const row of reg.recentFailures(host, Date.now() - d.cfg.events.maxAgeSeconds * 1000)) {
          if (!d.busy(row.id)) await settle(row.id, row.gen, false);
        }
      }
      arm();
    },
    close(): void {
      closed = true;
      clearTimeout(timer);
    },
  };
}

export type JobPolicies = ReturnType<typeof createJobPolicies>;
