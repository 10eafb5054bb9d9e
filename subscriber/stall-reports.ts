import type { Logger } from '../core/logger.js';
import type { ReconcilerCore } from './reconciler.js';
import type { SessionRow } from './registry/registry.js';
import type { JobState } from './state-machine.js';

// Only states in which the agent itself is expected to act. blocked and review
// wait for someone else: silence there is normal, and their reason must stay.
const WATCHED: ReadonlySet<JobState> = new Set(['starting', 'running', 'testing']);

export const STALLED_PREFIX = 'stalled: ';

export function stalledReason(seconds: number): string {
  return `${STALLED_PREFIX}no output or event for ${seconds}s`;
}

interface Stall {
  reason: string;
  /** the reason the job had before it was marked; restored when activity resumes */
  prior: string | null;
  at: number;
}

/**
 * Reports a session that printed nothing and sent no event for the configured
 * time: a warning in the daemon log and the job's reason, published with its
 * state. The state itself is unchanged and the session is never touched —
 * silence is not proof that an agent is dead. Cleared on the next activity.
 */
export function createStallReports(rec: ReconcilerCore, log: Logger, afterSeconds: number) {
  const stalls = new Map<string, Stall>();
  const limitMs = afterSeconds * 1000;

  function setReason(job: string, reason: string | null): boolean {
    const row = rec.reg.getJob(job);
    if (!row) return false;
    rec.reg.setJobReason(row, reason);
    void rec.publishState(job).catch((err) => log.warn('state publish failed', err));
    return true;
  }

  return {
    /** `lastOutput`: when the session's log last grew (or when following began). */
    check(s: SessionRow, lastOutput: number, now = Date.now()): void {
      const row = rec.reg.getJob(s.job);
      if (!row || row.gen !== s.gen) return;
      const activity = Math.max(lastOutput, row.last_event_at ?? 0, s.started_at);
      let stall = stalls.get(s.job);
      if (!stall && row.reason?.startsWith(STALLED_PREFIX)) {
        // Marked before a daemon restart: adopt it, so it is cleared like any other.
        stall = { reason: row.reason, prior: null, at: Math.max(lastOutput, s.started_at) };
        stalls.set(s.job, stall);
      }
      if (stall) {
        if (activity <= stall.at) return;
        stalls.delete(s.job);
        // Only our own reason is undone: an event that set a new one keeps it.
        if (row.reason === stall.reason && setReason(s.job, stall.prior))
          log.info('activity resumed', { job: s.job, gen: s.gen });
        return;
      }
      if (!WATCHED.has(row.state) || now - activity < limitMs) return;
      const reason = stalledReason(afterSeconds);
      stalls.set(s.job, { reason, prior: row.reason, at: now });
      setReason(s.job, reason);
      log.warn('session stalled (reported, not killed)', {
        job: s.job,
        gen: s.gen,
        state: row.state,
        silentMs: now - activity,
      });
    },
    /** The session ended: nothing left to report for it. */
    forget(job: string): void {
      stalls.delete(job);
    },
  };
}
