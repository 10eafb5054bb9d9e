import type Database from 'better-sqlite3';
import type { EscalationRow } from './policy-writes.js';
import type { JobRow } from './rows.js';

/** An open escalation with its job's state now (null: the job is not in this registry). */
export interface InboxEntry extends EscalationRow {
  state: string | null;
}

/** The escalations' named queries (`mam inbox`, subscriber/policies/escalations.ts). */
export function createEscalationQueries(db: Database.Database) {
  const open = db.prepare<{ job: string | null; host: string | null }, InboxEntry>(
    `SELECT e.*, j.state AS state FROM escalations e LEFT JOIN jobs j ON j.id = e.job
     WHERE e.cleared_at IS NULL AND (@job IS NULL OR e.job = @job) AND (@host IS NULL OR e.host = @host)
     ORDER BY e.created_at, e.id`,
  );
  const inState = db.prepare<[string, string], JobRow>('SELECT * FROM jobs WHERE host = ? AND state = ?');
  return {
    /**
     * What needs a person (`mam inbox`): every open escalation, oldest first; only `job`'s or
     * `host`'s when given. Escalations of other hosts' jobs are here too, mirrored from their
     * signed messages.
     */
    openEscalations: (opts: { job?: string; host?: string } = {}): InboxEntry[] =>
      open.all({ job: opts.job ?? null, host: opts.host ?? null }),
    /** Jobs of `host` in `state` (few: blocked, review). */
    jobsInState: (host: string, state: string): JobRow[] => inState.all(host, state),
  };
}
