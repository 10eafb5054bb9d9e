import type Database from 'better-sqlite3';
import { checkWrites } from './check-writes.js';

export interface EscalationRow {
  id: number;
  job: string;
  host: string;
  kind: string;
  reason: string;
  command: string;
  created_at: number;
  cleared_at: number | null;
}

export interface BreakerRow {
  host: string;
  agent: string;
  /** closed, open, or half-open (one probe job may launch) */
  state: 'closed' | 'open' | 'half-open';
  /** times of the consecutive failures still inside the window, JSON */
  failures: string;
  reason: string | null;
  opened_at: number | null;
  probe_job: string | null;
}

/** The registry's write-counting wrapper (registry.ts `writes()`). */
export type Write = <A extends unknown[], R>(fn: (...args: A) => R) => (...args: A) => R;

/**
 * The registry's writes for job policies (retries, gates, escalations, breakers), through the
 * registry's write counter; `changed` drops a job's cached row.
 */
export function policyWrites(db: Database.Database, write: Write, changed: (job: string) => void) {
  const q = {
    setRetry: db.prepare('UPDATE jobs SET attempts = @attempts, not_before = @notBefore WHERE id = @id'),
    setGateRuns: db.prepare('UPDATE jobs SET gate_runs = @n WHERE id = @id'),
    escalate: db.prepare(`INSERT INTO escalations (job, host, kind, reason, command, created_at)
      VALUES (@job, @host, @kind, @reason, @command, @now)`),
    openEscalation: db.prepare<[string, string], EscalationRow>(
      'SELECT * FROM escalations WHERE job = ? AND kind = ? AND cleared_at IS NULL',
    ),
    clearEscalations: db.prepare(
      'UPDATE escalations SET cleared_at = @now WHERE job = @job AND cleared_at IS NULL AND (@kind IS NULL OR kind = @kind)',
    ),
    getBreaker: db.prepare<[string, string], BreakerRow>('SELECT * FROM breakers WHERE host = ? AND agent = ?'),
    putBreaker: db.prepare(`INSERT INTO breakers (host, agent, state, failures, reason, opened_at, probe_job)
      VALUES (@host, @agent, @state, @failures, @reason, @opened_at, @probe_job)
      ON CONFLICT (host, agent) DO UPDATE SET state = excluded.state, failures = excluded.failures,
        reason = excluded.reason, opened_at = excluded.opened_at, probe_job = excluded.probe_job`),
    breakersOf: db.prepare<[string], BreakerRow>('SELECT * FROM breakers WHERE host = ? ORDER BY agent'),
    // A breaker's escalation is known by the command that resolves it, which names the agent and host.
    clearBreakerEscalations: db.prepare(`UPDATE escalations SET cleared_at = @now
      WHERE kind = 'breaker-open' AND host = @host AND command = @command AND cleared_at IS NULL`),
  };
  return {
    ...checkWrites(db, write),
    /** Retries used and the backoff deadline before the next generation may launch. */
    setRetry: write((id: string, attempts: number, notBefore: number | null) => {
      changed(id);
      q.setRetry.run({ id, attempts, notBefore });
    }),
    setGateRuns: write((id: string, n: number) => {
      changed(id);
      q.setGateRuns.run({ id, n });
    }),
    /**
     * Records what needs a person, once per job and kind while it is open; returns it, or undefined
     * if already open. `at`: when it was raised, for one mirrored from its job's host.
     */
    escalate: write(
      (e: {
        job: string;
        host: string;
        kind: string;
        reason: string;
        command: string;
        at?: number;
      }): EscalationRow | undefined => {
        if (q.openEscalation.get(e.job, e.kind)) return undefined;
        const { at, ...fields } = e;
        const now = at ?? Date.now();
        const id = Number(q.escalate.run({ ...fields, now }).lastInsertRowid);
        return { id, ...fields, created_at: now, cleared_at: null };
      },
    ),
    /**
     * A job resolved (done, or acted on by a person): what it asked of a person is cleared (only `kind`'s, when given).
     */
    clearEscalations: write(
      (job: string, kind?: string) => q.clearEscalations.run({ job, kind: kind ?? null, now: Date.now() }).changes,
    ),
    getBreaker: (host: string, agent: string) => q.getBreaker.get(host, agent),
    putBreaker: write((b: BreakerRow) => {
      q.putBreaker.run(b);
    }),
    /** Every breaker of `host`, by agent. */
    breakersOf: (host: string) => q.breakersOf.all(host),
    /** The breaker closed: its open escalation (the one `command` resolves) is cleared. */
    clearBreakerEscalations: write(
      (host: string, command: string) => q.clearBreakerEscalations.run({ host, command, now: Date.now() }).changes,
    ),
  };
}
