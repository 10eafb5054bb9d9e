import type Database from 'better-sqlite3';

export interface EventHead {
  id: number;
  job: string;
  sender: string;
  type: string;
  state_after: string | null;
  received_at: number;
}

export interface Outcome {
  host: string;
  agent: string;
  jobs: number;
  done: number;
  failed: number;
  retries: number;
  avg_done_ms: number | null;
}

/**
 * The dashboard's named reads: it follows the registry by the events' row ids (the id a
 * browser resumes from) and by the jobs' latest update, and never writes.
 */
export function createDashboardQueries(db: Database.Database) {
  const since = db.prepare<[number, number], EventHead>(
    'SELECT id, job, sender, type, state_after, received_at FROM events WHERE id > ? ORDER BY id LIMIT ?',
  );
  const lastEvent = db.prepare<[], { id: number | null }>('SELECT MAX(id) AS id FROM events');
  const lastUpdate = db.prepare<[], { at: number | null }>('SELECT MAX(updated_at) AS at FROM jobs');
  const eventTypes = db.prepare<[], { type: string; applied: number; n: number }>(
    'SELECT type, applied, COUNT(*) AS n FROM events GROUP BY type, applied',
  );
  const sessionTotals = db.prepare<[], { started: number; ended: number }>(
    'SELECT COUNT(*) AS started, COUNT(ended_at) AS ended FROM sessions',
  );
  const gateResults = db.prepare<[], { result: string; n: number }>(
    'SELECT result, COUNT(*) AS n FROM gate_checks WHERE result IS NOT NULL GROUP BY result',
  );
  const outcomes = db.prepare<[], Outcome>(`SELECT host, COALESCE(agent, '-') AS agent, COUNT(*) AS jobs,
      SUM(state = 'done') AS done, SUM(state IN ('failed', 'timeout', 'lost')) AS failed, SUM(attempts) AS retries,
      AVG(CASE WHEN state = 'done' THEN updated_at - created_at END) AS avg_done_ms
      FROM jobs GROUP BY host, agent ORDER BY host, agent`);
  // State changes per hour, from the committed events that changed a state: the board's history.
  const changes = db.prepare<
    [number],
    { hour: number; state: string; n: number }
  >(`SELECT received_at / 3600000 AS hour,
      state_after AS state, COUNT(*) AS n FROM events WHERE received_at >= ? AND state_after IS NOT NULL
      GROUP BY hour, state ORDER BY hour`);
  return {
    /** Per host and agent: jobs, done, failed, retries used and mean time from create to done. */
    outcomes: () => outcomes.all(),
    /** Committed state changes per hour since `since` (ms), by the state entered. */
    stateChanges: (since: number) => changes.all(since),
    /** Finished quality-gate runs per result. */
    gateResultCounts: () => gateResults.all(),
    /** Committed events after row id `after`, oldest first. */
    eventsSince: (after: number, limit = 500): EventHead[] => since.all(after, limit),
    /** The newest event's row id (0 for none). */
    lastEventId: (): number => lastEvent.get()?.id ?? 0,
    /** When any job last changed (0 for no jobs). */
    lastJobUpdate: (): number => lastUpdate.get()?.at ?? 0,
    /** Committed events per type, split into applied and recorded-only. */
    eventTypeCounts: () => eventTypes.all(),
    /** Sessions launched and ended, over the registry's life. */
    sessionTotals: () => sessionTotals.get() ?? { started: 0, ended: 0 },
  };
}
