import type Database from 'better-sqlite3';
import type { EscalationRow } from './policy-writes.js';

/** A committed event that moved its job into a state someone may be told about, with its job now. */
export interface StateEvent {
  id: number;
  job: string;
  gen: number;
  type: string;
  state_after: string;
  received_at: number;
  /** the signed envelope as received: its body says why */
  raw: Buffer;
  host: string | null;
  agent: string | null;
  reason: string | null;
}

/** A job as the notifier reads it. */
export interface JobHead {
  id: string;
  state: string;
  reason: string | null;
  gen: number;
  host: string;
  agent: string | null;
  updated_at: number;
}

/**
 * The notifier's named reads (dashboard/server/notify/): committed events by row id, jobs by the time
 * they last changed, escalations by row id. Read-only; each follows its own cursor.
 */
export function createNotifyQueries(db: Database.Database) {
  const events = db.prepare<[number, number], StateEvent>(
    `SELECT e.id, e.job, e.gen, e.type, e.state_after, e.received_at, e.raw, j.host, j.agent, j.reason
     FROM events e LEFT JOIN jobs j ON j.id = e.job
     WHERE e.id > ? AND e.applied = 1 AND e.state_after IN ('blocked', 'failed', 'timeout', 'done')
     ORDER BY e.id LIMIT ?`,
  );
  const jobs = db.prepare<[number], JobHead>(
    `SELECT id, state, reason, gen, host, agent, updated_at FROM jobs
     WHERE updated_at > ? AND state IN ('blocked', 'failed', 'timeout', 'done') ORDER BY updated_at`,
  );
  const escalations = db.prepare<[number, number], EscalationRow & { gen: number | null }>(
    `SELECT e.*, j.gen AS gen FROM escalations e LEFT JOIN jobs j ON j.id = e.job
     WHERE e.id > ? ORDER BY e.id LIMIT ?`,
  );
  const lastEscalation = db.prepare<[], { id: number | null }>('SELECT MAX(id) AS id FROM escalations');
  return {
    /** Applied events after row id `after` that left their job blocked, failed, timed out or done. */
    stateEventsSince: (after: number, limit = 500): StateEvent[] => events.all(after, limit),
    /** Jobs blocked, failed, timed out or done that changed after `at` (ms), oldest change first. */
    jobsChangedSince: (at: number): JobHead[] => jobs.all(at),
    /** Escalations raised after row id `after`, with their job's generation now. */
    escalationsSince: (after: number, limit = 500) => escalations.all(after, limit),
    /** The newest escalation's row id (0 for none). */
    lastEscalationId: (): number => lastEscalation.get()?.id ?? 0,
  };
}
