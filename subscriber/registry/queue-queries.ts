import type Database from 'better-sqlite3';
import { LIVE_STATES } from '../state-machine.js';
import type { JobRow } from './rows.js';

const LIVE_IN = LIVE_STATES.map((t) => `'${t}'`).join(', ');

export interface SessionCounts {
  total: number;
  byAgent: Map<string, number>;
}

/** The queue's named queries (subscriber/scheduler/). */
export function createQueueQueries(db: Database.Database) {
  const waiting = db.prepare<[string], JobRow>("SELECT * FROM jobs WHERE host = ? AND state IN ('queued', 'retrying')");
  // The few slot holders first, then their rows (CROSS JOIN keeps that order): a plan that walks
  // every job of the host costs ≈ 9 ms a run at 50,000 jobs, this one ≈ 0.02 ms.
  const slots = db.prepare<{ host: string }, { agent: string | null; n: number }>(
    `SELECT j.agent, COUNT(*) AS n FROM (
       SELECT id FROM jobs WHERE host = @host AND state IN (${LIVE_IN}) AND gen >= 1
       UNION SELECT job AS id FROM sessions WHERE host = @host AND ended_at IS NULL
     ) s CROSS JOIN jobs j ON j.id = s.id WHERE j.host = @host GROUP BY j.agent`,
  );
  return {
    /** Jobs of `host` waiting to launch: queued, or retrying after a failure. */
    waitingJobs: (host: string): JobRow[] => waiting.all(host),
    /**
     * The sessions that hold a slot on `host`: jobs in a live state of a launched generation (a
     * launch under way included), and sessions of ended jobs not yet terminated. A slot frees when
     * its session has ended, so the limit holds for the processes, not only for the states.
     */
    sessionCounts(host: string): SessionCounts {
      const byAgent = new Map<string, number>();
      let total = 0;
      for (const r of slots.all({ host })) {
        total += r.n;
        byAgent.set(r.agent ?? '', r.n);
      }
      return { total, byAgent };
    },
  };
}
