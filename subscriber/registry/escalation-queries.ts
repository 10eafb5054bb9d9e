import type { EscalationRow } from './policy-writes.js';
import type { JobRow, Registry } from './registry.js';
import { statement } from './statement-cache.js';

/** An open escalation with its job's state now (null: the job is not in this registry). */
export interface InboxEntry extends EscalationRow {
  state: string | null;
}

/**
 * What needs a person (`mam inbox`): every open escalation, oldest first; only `job`'s or
 * `host`'s when given. Escalations of other hosts' jobs are here too, mirrored from their
 * signed messages.
 */
export function openEscalations(reg: Registry, opts: { job?: string; host?: string } = {}): InboxEntry[] {
  return statement<{ job: string | null; host: string | null }, InboxEntry>(
    reg,
    `SELECT e.*, j.state AS state FROM escalations e LEFT JOIN jobs j ON j.id = e.job
     WHERE e.cleared_at IS NULL AND (@job IS NULL OR e.job = @job) AND (@host IS NULL OR e.host = @host)
     ORDER BY e.created_at, e.id`,
  ).all({ job: opts.job ?? null, host: opts.host ?? null });
}

/** Jobs of `host` in `state` (few: blocked, review). */
export function jobsInState(reg: Registry, host: string, state: string): JobRow[] {
  return statement<[string, string], JobRow>(reg, 'SELECT * FROM jobs WHERE host = ? AND state = ?').all(host, state);
}
