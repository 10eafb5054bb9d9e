import { LIVE_STATES } from '../state-machine.js';
import type { JobRow, Registry } from './registry.js';
import { statement } from './statement-cache.js';

const LIVE_IN = LIVE_STATES.map((t) => `'${t}'`).join(', ');

/** Jobs of `host` waiting to launch: queued, or retrying after a failure. */
export function waitingJobs(reg: Registry, host: string): JobRow[] {
  return statement<[string], JobRow>(reg, "SELECT * FROM jobs WHERE host = ? AND state IN ('queued', 'retrying')").all(host);
}

export interface SessionCounts {
  total: number;
  byAgent: Map<string, number>;
}

/**
 * The sessions that hold a slot on `host`: jobs in a live state of a launched generation (a
 * launch under way included), and sessions of ended jobs not yet terminated. A slot frees when
 * its session has ended, so the limit holds for the processes, not only for the states.
 */
export function sessionCounts(reg: Registry, host: string): SessionCounts {
  // The few slot holders first, then their rows (CROSS JOIN keeps that order): a plan that walks
  // every job of the host costs ≈ 9 ms a run at 50,000 jobs, this one ≈ 0.02 ms.
  const rows = statement<{ host: string }, { agent: string | null; n: number }>(
    reg,
    `SELECT j.agent, COUNT(*) AS n FROM (
       SELECT id FROM jobs WHERE host = @host AND state IN (${LIVE_IN}) AND gen >= 1
       UNION SELECT job AS id FROM sessions WHERE host = @host AND ended_at IS NULL
     ) s CROSS JOIN jobs j ON j.id = s.id WHERE j.host = @host GROUP BY j.agent`,
  ).all({ host });
  const byAgent = new Map<string, number>();
  let total = 0;
  for (const r of rows) {
    total += r.n;
    byAgent.set(r.agent ?? '', r.n);
  }
  return { total, byAgent };
}
