import type { Config } from '../../core/config.js';
import type { Logger } from '../../core/logger.js';
import type { JobSpec } from '../launch-session.js';
import { jobPolicy } from '../policies/job-policy.js';
import { stateForDependents } from '../policies/retry-decision.js';
import type { JobRow, Registry } from '../registry/registry.js';
import { dependencyVerdict, orderQueue } from './queue-order.js';

export interface SchedulerDeps {
  reg: Registry;
  host: string;
  cfg: Config;
  log: Logger;
  publishState(job: string): Promise<void>;
  /** Launches the job's new generation (its row already moved to starting), after its earlier actions. */
  start(job: string): void;
  /** Why the agent's circuit breaker keeps this job from launching now; undefined when it may. */
  breakerHolds?(agent: string, job: string): string | undefined;
}

/**
 * The host's queue: decides which waiting (queued or retrying) jobs launch, highest effective
 * priority first within `sessions.maxConcurrent` and each agent's `maxConcurrent`, once their
 * dependencies are done and their backoff is over. A job that waits says why in its reason.
 * Everything it decides is a registry transition made before the launch starts, so a restarted
 * reconciler finds each job either still waiting or starting (the stranded-launch check's), never
 * launched twice. Runs are coalesced: a kick during a run makes one more run after it.
 */
export function createScheduler(d: SchedulerDeps) {
  const { reg, host, cfg, log } = d;
  let running: Promise<void> | undefined;
  let again = false;
  const stats = { runs: 0, launched: 0, cancelled: 0, cpuMs: 0 };

  function kick(): Promise<void> {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      do {
        again = false;
        await runOnce().catch((err) => log.error('scheduler run failed', err));
      } while (again);
    })().finally(() => (running = undefined));
    return running;
  }

  async function runOnce(): Promise<void> {
    const t0 = process.cpuUsage();
    stats.runs++;
    const now = Date.now();
    const queue = orderQueue(reg.waitingJobs(host), now, cfg.scheduler.agingSeconds * 1000);
    if (queue.length === 0) return;
    const counts = reg.sessionCounts(host);
    const max = cfg.sessions.maxConcurrent;
    const publishes: Promise<void>[] = [];
    for (const row of queue) {
      const spec = JSON.parse(row.spec) as JobSpec & { launch?: boolean };
      if (spec.launch === false) continue;
      const agent = row.agent ?? spec.agent;
      const policy = jobPolicy(spec, cfg);
      const deps = dependencyVerdict(policy.after, policy.afterAny, (id) => stateForDependents(reg.getJob(id), cfg));
      if (deps.kind === 'cancel') {
        if (reg.transitionJob(row, 'cancel', deps.why)) {
          stats.cancelled++;
          log.info('job cancelled', { job: row.id, why: deps.why });
          publishes.push(d.publishState(row.id));
          // Its own dependents may now be cancelled too.
          again = true;
        }
        continue;
      }
      // A retry's backoff: its reason (set by the retry) says until when and after what.
      if (row.not_before !== null && row.not_before > now) continue;
      const agentMax = cfg.agents[agent]?.maxConcurrent;
      const why =
        (deps.kind === 'wait' ? deps.why : undefined) ??
        d.breakerHolds?.(agent, row.id) ??
        (max > 0 && counts.total >= max
          ? `waiting for a free session slot (sessions.maxConcurrent ${max})`
          : undefined) ??
        (agentMax && (counts.byAgent.get(agent) ?? 0) >= agentMax
          ? `waiting for a free ${agent} slot (agents.${agent}.maxConcurrent ${agentMax})`
          : undefined);
      if (why) {
        if (row.state === 'queued' && row.reason !== why) {
          reg.setJobReason(row, why);
          publishes.push(d.publishState(row.id));
        }
        continue;
      }
      if (!reg.transitionJob(row, 'launch', null, { gen: row.gen + 1 })) continue;
      counts.total++;
      counts.byAgent.set(agent, (counts.byAgent.get(agent) ?? 0) + 1);
      stats.launched++;
      d.start(row.id);
    }
    const used = process.cpuUsage(t0);
    stats.cpuMs += (used.user + used.system) / 1000;
    await Promise.all(publishes).catch((err) => log.warn('state publish failed', err));
  }

  return { kick, stats };
}

export type Scheduler = ReturnType<typeof createScheduler>;

/** Whether the row waits in the queue (for the CLI's position and reason). */
export function isWaiting(row: Pick<JobRow, 'state'>): boolean {
  return row.state === 'queued' || row.state === 'retrying';
}
