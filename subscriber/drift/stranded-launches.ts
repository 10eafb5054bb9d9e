import { RESUMED_REASON } from '../apply-message.js';
import type { JobRow, Registry } from '../registry/registry.js';
import { loggedBody } from '../registry/queries.js';
import { unblockedPrompt } from '../workflows/blocked-steps.js';
import type { DriftDeps } from './drift-deps.js';

/** The prompt of the resume that opened the job's current generation, read from its committed event. */
function resumePrompt(reg: Registry, row: JobRow): string | undefined {
  // A workflow step resumed by its blocker's done: the blocker's summary.
  const unblocked = unblockedPrompt(reg, row.reason);
  if (unblocked !== undefined) return unblocked;
  // Only a resume leaves this reason (a launch clears it), so the latest applied resume opened this generation.
  if (row.reason !== RESUMED_REASON) return undefined;
  const ev = reg.latestResume(row.id);
  // An audit row changed by hand: the generation launches without the prompt.
  const prompt = ev && loggedBody(ev.raw)?.prompt;
  return typeof prompt === 'string' ? prompt : undefined;
}

/**
 * A launch that never came: the reconciler stopped between moving a job to starting (the queue's
 * launch, or a committed resume) and its session's start. Queued jobs are the scheduler's. Done now, once per
 * generation in this process's life; one under way is left to that action. A launch: false job
 * waits in starting at generation 0 for an agent started elsewhere, and is left alone.
 */
export function createStrandedLaunchCheck(d: DriftDeps) {
  const { reg, log } = d;
  /** Launches this check made itself, by job and generation: each once. */
  const launchTried = new Set<string>();

  return function checkStrandedLaunches(): void {
    for (const row of reg.strandedJobs(d.host)) {
      const key = `${row.id}\0${row.gen}`;
      if (d.busy(row.id) || d.settling(row.id) || launchTried.has(key)) continue;
      if (row.state === 'starting' && reg.getSession(row.id, row.gen)) continue;
      launchTried.add(key);
      log.warn('generation never launched; launching it', {
        job: row.id,
        gen: row.gen,
        resumed: row.reason === RESUMED_REASON,
      });
      void d.onJob(row.id, () => d.resume(row.id, row.gen, resumePrompt(reg, row)));
    }
  };
}
