import type { Config } from '../../core/config.js';
import type { Logger } from '../../core/logger.js';
import type { BreakerRow } from '../registry/policy-writes.js';
import type { JobRow, Registry } from '../registry/registry.js';
import {
  afterCooldown,
  afterFailure,
  afterSuccess,
  type BreakerLimits,
  closedBreaker,
  probeReason,
} from './breaker-state.js';

/** What needs a person: recorded once per job and kind while open (the registry's escalations). */
export interface Escalation {
  job: string;
  host: string;
  kind: string;
  reason: string;
  command: string;
}

export interface BreakerDeps {
  reg: Registry;
  host: string;
  cfg: Config;
  log: Logger;
  escalate(e: Escalation): unknown;
}

/** The command that closes the breaker of `agent` on `host` by hand. */
export function resetCommand(agent: string, host: string): string {
  return `mam breaker reset ${agent} --host ${host}`;
}

/**
 * The circuit breakers of this host, one per agent kind (docs/POLICIES.md, "Circuit breaker"):
 * breaker.failures consecutive failures within breaker.windowSeconds open it and stop the queue
 * from launching that agent; after breaker.cooldownSeconds it turns half-open and one waiting job
 * launches as its probe, whose done closes it and whose failure opens it again. Every change is a
 * registry write (breakers table), so a restarted reconciler holds the same jobs back.
 */
export function createBreakers(d: BreakerDeps) {
  const { reg, host, log } = d;
  const limits: BreakerLimits = {
    failures: d.cfg.breaker.failures,
    windowMs: d.cfg.breaker.windowSeconds * 1000,
    cooldownMs: d.cfg.breaker.cooldownSeconds * 1000,
  };
  const agentOf = (row: JobRow) => row.agent ?? 'command';

  // The host's breakers, read again only after a registry write: the queue asks for every waiting job.
  let rows = new Map<string, BreakerRow>();
  let readAt = -1;
  function current(): Map<string, BreakerRow> {
    if (readAt !== reg.writes()) {
      rows = new Map(reg.breakersOf(host).map((b) => [b.agent, b]));
      readAt = reg.writes();
    }
    return rows;
  }
  function put(b: BreakerRow): BreakerRow {
    reg.putBreaker(b);
    current().set(b.agent, b);
    return b;
  }
  const get = (agent: string) => current().get(agent);
  const breakerOf = (agent: string) => get(agent) ?? closedBreaker(host, agent);

  function closed(b: BreakerRow, why: string): void {
    log.info('breaker closed', { agent: b.agent, why });
    reg.clearBreakerEscalations(host, resetCommand(b.agent, host));
  }

  return {
    /** Counts a failed or lost generation of `row` (failed at `at`); the K-th in the window opens the breaker. */
    failed(row: JobRow, at: number, why: string): void {
      const b = breakerOf(agentOf(row));
      const next = afterFailure(b, { job: row.id, gen: row.gen, at, why }, limits, Date.now());
      if (!next) return;
      put(next);
      if (next.state !== 'open') return;
      log.warn('breaker open', { agent: b.agent, job: row.id, untrusted: { reason: next.reason } });
      // Escalated when it first opens; a failed probe opens it again under the same escalation.
      if (b.state === 'closed')
        d.escalate({
          job: row.id,
          host,
          kind: 'breaker-open',
          reason: next.reason!,
          command: resetCommand(b.agent, host),
        });
    },

    /** A job of the agent is done: a closed breaker's run of failures ends, a half-open one's probe closes it. */
    succeeded(row: JobRow): void {
      const b = breakerOf(agentOf(row));
      const next = afterSuccess(b, row.id);
      if (!next) return;
      put(next);
      if (b.state !== 'closed') closed(b, `probe job ${row.id} done`);
    },

    /** Open breakers past their cooldown turn half-open; returns when the next one still cooling will. */
    cool(now: number): number | undefined {
      let next: number | undefined;
      for (const b of [...current().values()]) {
        const half = afterCooldown(b, limits, now);
        if (half) {
          put(half);
          log.info('breaker half-open: the next job launches as its probe', { agent: b.agent });
        } else if (b.state === 'open' && b.opened_at !== null) {
          next = Math.min(next ?? Number.POSITIVE_INFINITY, b.opened_at + limits.cooldownMs);
        }
      }
      return next;
    },

    /** Why the breaker keeps `job` (of `agent`) from launching now; undefined when it may launch. */
    holds(agent: string, job: string): string | undefined {
      let b = get(agent);
      if (!b || b.state === 'closed') return undefined;
      const half = afterCooldown(b, limits, Date.now());
      if (half) b = put(half);
      if (b.state === 'open') return b.reason ?? `breaker open for ${agent} on ${host}`;
      if (!b.probe_job || b.probe_job === job) return undefined;
      // A probe that ended without an outcome (cancelled, timed out, gone) proves nothing: another job probes.
      const probe = reg.getJob(b.probe_job);
      if (!probe || probe.state === 'cancelled' || probe.state === 'timeout') {
        put({ ...b, probe_job: null });
        return undefined;
      }
      return probeReason(b);
    },

    /** The queue launches `job`: a half-open breaker without a probe takes it as its probe. */
    launching(job: string): void {
      const row = reg.getJob(job);
      if (!row) return;
      const b = get(agentOf(row));
      if (b?.state !== 'half-open' || b.probe_job) return;
      put({ ...b, probe_job: job });
      log.info('breaker probe launching', { agent: b.agent, job });
    },
  };
}

export type Breakers = ReturnType<typeof createBreakers>;
