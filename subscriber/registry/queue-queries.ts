import { LIVE_STATES } from '../state-machine.js';
import type { JobRow, Registry } from './registry.js';

const LIVE_IN = LIVE_STATES.map((t) => `'${t}'`).join(', ');

/** Jobs of `host` waiting to launch: queued, or retrying after a failure. */
export function waitingJobs(reg: Registry, host: string): JobRow[] {
  return reg.db.prepare<[string], JobRow>("SELECT * FROM jobs WHERE host = ? AND state IN ('queued', 'retrying')").all(host);
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
  const rows = reg.db
    .prepare<{ host: string }, { agent: string | null; n: number }>(
      `SELECT agent, COUNT(*) AS n FROM jobs WHERE host = @host AND ((state IN (${LIVE_IN}) AND gen >= 1)
        OR id IN (SELECT job FROM sessions WHERE host = @host AND ended_at IS NULL)) GROUP BY agent`,
    )
    .all({ host });
  const byAgent = new Map<string, number>();
  let total = 0;
  for (const r of rows) {
    total += r.n;
    byAgent.set(r.agent ?? '', r.n);
  }
  return { total, byAgent };
}
