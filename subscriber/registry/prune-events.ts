import type Database from 'better-sqlite3';
import { TERMINAL_STATES } from '../state-machine.js';

// Ended for good: no event can change these jobs any more except a resume, which starts a new
// generation from the registry row, not from old events.
const ENDED = [...TERMINAL_STATES, 'lost'].map((s) => `'${s}'`).join(', ');

/**
 * The events `mam gc --events-older-than` may delete: those received before `before`, of jobs
 * that ended before it, except each job's first event (its create) and its last applied one (how
 * it ended), so every job's timeline still says how it began and ended. The high-water marks are
 * kept apart (hwm) and stay, so a replay of a deleted event is still refused.
 */
const CANDIDATES = `FROM events WHERE received_at < @before
  AND job IN (SELECT id FROM jobs WHERE state IN (${ENDED}) AND updated_at < @before)
  AND id NOT IN (SELECT MIN(id) FROM events GROUP BY job)
  AND id NOT IN (SELECT MAX(id) FROM events WHERE applied = 1 GROUP BY job)`;

export function createEventPruning(db: Database.Database, transaction: <T>(fn: () => T) => T) {
  return {
    /** How many events pruneEvents would delete now. */
    countPrunableEvents(before: number): number {
      return db.prepare<{ before: number }, number>(`SELECT COUNT(*) ${CANDIDATES}`).pluck().get({ before })!;
    },
    /** Deletes them; returns how many went. */
    pruneEvents(before: number): number {
      return transaction(() => db.prepare<{ before: number }>(`DELETE ${CANDIDATES}`).run({ before }).changes);
    },
  };
}
