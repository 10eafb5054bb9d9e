import { adapterFor } from '../agents/adapters/index.js';
import type { BackendName } from '../agents/session-backend.js';
import type { Context } from '../core/context.js';
import { errorData, type Logger } from '../core/logger.js';
import type { Launched } from './launch-session.js';
import type { Registry } from './registry/registry.js';
import type { SessionBackends } from './session-backends.js';

/**
 * Readiness, dialogs and the prompt, beside ingestion (never awaited by it).
 * An agent that gets stuck leaves its job blocked (`stuck`), the reason naming
 * the screen, which stays in the job folder; the session is left for a person.
 */
export function createAgentDriver(d: {
  backends: SessionBackends;
  log: Logger;
  stuck(job: string, gen: number, reason: string): Promise<unknown>;
}) {
  const { backends, log } = d;
  const driving = new Set<AbortController>();

  function drive(job: string, gen: number, agent: string, l: Pick<Launched, 'name' | 'backend' | 'job'>) {
    const adapter = adapterFor(agent);
    if (!adapter.drive) return;
    const ctl = new AbortController();
    driving.add(ctl);
    const t0 = Date.now();
    void backends
      .get(l.backend as BackendName)
      .then((backend) => adapter.drive!({ backend, name: l.name, signal: ctl.signal }, l.job))
      .then(
        () => log.info('agent driven', { job, gen, prompted: !!l.job.prompt, ms: Date.now() - t0 }),
        async (err: Error) => {
          if (ctl.signal.aborted) return;
          log.warn('agent not driven', { job, gen, error: err.message });
          await d.stuck(job, gen, err.message.slice(0, 4000));
        },
      )
      .catch((err: Error) => log.error('drive failure not recorded', { job, error: errorData(err) }))
      .finally(() => driving.delete(ctl));
  }

  return {
    drive,
    abortAll: () => {
      for (const ctl of driving) ctl.abort();
    },
  };
}

/** Each job's actions run in order (its launch before its termination); jobs never wait for one another. */
export function createJobChains(log: Logger) {
  const chains = new Map<string, Promise<void>>();
  function onJob(job: string, work: () => Promise<void>): Promise<void> {
    const next = (chains.get(job) ?? Promise.resolve())
      .then(work)
      .catch((err: Error) => log.error('session action failed', { job, error: errorData(err) }));
    chains.set(job, next);
    void next.then(() => chains.get(job) === next && chains.delete(job));
    return next;
  }
  return { onJob, busy: (job: string) => chains.has(job) };
}

/**
 * Brings a new prompt to the job's live session of `gen` through its adapter's confirmed
 * submission (a held run step's review findings); nothing when that session has ended.
 */
export function promptLiveSession(
  ctx: Context,
  reg: Registry,
  drive: ReturnType<typeof createAgentDriver>['drive'],
  p: { job: string; gen: number; prompt: string },
): void {
  const row = reg.getJob(p.job);
  const s = reg.getSession(p.job, p.gen);
  if (!row || row.gen !== p.gen || !s || s.ended_at) return;
  const agent = row.agent ?? 'command';
  const job = {
    id: p.job,
    gen: p.gen,
    workdir: s.workdir ?? ctx.ws.root,
    prompt: p.prompt,
    jobDir: ctx.ws.jobDir(p.job),
    env: {},
    config: ctx.cfg.agents[agent] ?? {},
  };
  drive(p.job, p.gen, agent, { name: s.name, backend: s.backend, job });
}
