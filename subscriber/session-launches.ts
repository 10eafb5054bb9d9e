import { performance } from 'node:perf_hooks';
import type { BackendName } from '../agents/session-backend.js';
import type { Context } from '../core/context.js';
import { isMamError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { launchSession, type JobSpec, type Launched } from './launch-session.js';
import type { JobRow, Registry } from './registry/registry.js';
import type { SessionBackends } from './session-backends.js';
import type { SessionLogs } from './session-logs.js';
import { terminateSession } from './terminate-session.js';

/** What a launch needs from the session manager; `drive` and `settle` are looked up when called. */
export interface LaunchDeps {
  ctx: Context;
  log: Logger;
  env: NodeJS.ProcessEnv;
  reg: Registry;
  backends: SessionBackends;
  logs: SessionLogs;
  publishState(job: string): Promise<void>;
  drive(job: string, gen: number, agent: string, l: Launched): void;
  /** the job's policies decide what follows a failed launch (a retry, say) */
  settle(job: string, gen: number): Promise<void>;
}

/** Launching a job's next generation, and resuming one: the session manager's only ways to start a session. */
export function createLaunches(d: LaunchDeps) {
  const { ctx, log, env, reg, backends, logs, publishState, drive } = d;
  const specOf = (row: JobRow) => JSON.parse(row.spec) as JobSpec;

  async function launch(job: string, prompt?: string) {
    const t0 = performance.now();
    let row = reg.getJob(job);
    if (!row) return;
    // A first launch (or a retry) opens a new generation; a resume arrives with its generation already bumped.
    if (reg.transitionJob(row, 'launch', null, { gen: row.gen + 1 })) row = reg.getJob(job)!;
    try {
      logs.track(job, row.gen);
      const l = await launchSession({
        ctx,
        reg: reg,
        backends,
        jobId: job,
        gen: row.gen,
        spec: specOf(row),
        prompt,
        env,
      });
      log.info('session launched', {
        job,
        gen: row.gen,
        name: l.name,
        backend: l.backend,
        pid: l.pid,
        why: l.reason,
        isolation: l.isolation,
        ms: Math.round(performance.now() - t0),
      });
      await publishState(job);
      drive(job, row.gen, specOf(row).agent, l);
    } catch (err) {
      if (isMamError(err, 'HANDOFF_CONFLICT') || isMamError(err, 'HANDOFF_MISSING')) {
        // Predecessors whose branches conflict, or never reached the remote: a person sorts it out, then resumes
        // the job; no retry can.
        log.warn('handoff failed; job blocked', { job, error: err.message });
        if (!reg.transitionJob(row, 'job.blocked', err.message.slice(0, 4000))) reg.setJobReason(row, err.message);
        await publishState(job);
        return;
      }
      log.error('launch failed', { job, error: (err as Error).message });
      const reason = `launch failed: ${(err as Error).message}`.slice(0, 4000);
      if (!reg.transitionJob(row, 'job.failed', reason)) reg.setJobReason(row, reason);
      // Its retry (if any) first: a job with retries left is published retrying, never failed.
      await d.settle(job, row.gen);
      await publishState(job);
    }
  }

  /** A committed resume: the previous generation's session ends (superseded, its verified end), then `gen` launches. */
  async function resume(job: string, gen: number, prompt?: string) {
    const prev = reg.getSession(job, gen - 1);
    if (prev && !prev.ended_at) {
      const backend = await backends.get(prev.backend as BackendName);
      await terminateSession({
        reg: reg,
        backend,
        job,
        gen: gen - 1,
        reason: 'superseded by resume',
        superseded: true,
        graceMs: ctx.cfg.sessions.killGraceMs,
        log,
      }).catch(() => undefined);
    }
    await launch(job, prompt);
  }

  return { launch, resume };
}
