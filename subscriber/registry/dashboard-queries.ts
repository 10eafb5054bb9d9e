import type Database from 'better-sqlite3';

export interface EventHead {
  id: number;
  job: string;
  sender: string;
  type: string;
  state_after: string | null;
  received_at: number;
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
  return {
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
