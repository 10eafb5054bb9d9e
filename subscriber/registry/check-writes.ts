import type Database from 'better-sqlite3';
import type { JobRow } from './registry.js';
import type { Write } from './policy-writes.js';

/**
 * One check of a verified done (subscriber/policies/): its quality-gate run, when the job has a
 * gate, and the approval decision. `result` is null while the check is still to finish.
 */
export interface GateCheckRow {
  job: string;
  /** 1, 2, … per job; the gate's output is in .mam/jobs/<job>/gate-<n>.log */
  n: number;
  /** the generation whose done asked for the check */
  gen: number;
  /** the gate command, or null: no gate, only the approval decision */
  command: string | null;
  requested_at: number;
  started_at: number | null;
  /** the gate's process group leader while it runs */
  pid: number | null;
  ended_at: number | null;
  exit_code: number | null;
  timed_out: number;
  result: CheckResult | null;
  /** auto (done) or human (review, waiting for an operator's PASS) */
  decision: 'auto' | 'human' | null;
  /** why: the gate's outcome, or what the approval decision rests on */
  detail: string | null;
  /** JSON: the changed paths that made a risk decision human */
  paths: string | null;
  approval: 'pending' | 'approved' | 'rejected' | 'superseded' | null;
}

/**
 * passed / no-gate: the decision followed; failed: the failure went back to the agent;
 * exhausted: the last attempt failed; interrupted: the reconciler stopped during the run (not
 * an attempt); abandoned: the job left testing before the run ended; superseded: a new state
 * (the agent's own testing or review phase) replaced a check that never finished.
 */
export type CheckResult = 'passed' | 'no-gate' | 'failed' | 'exhausted' | 'interrupted' | 'abandoned' | 'superseded';

export interface CheckEnd {
  result: CheckResult;
  exitCode?: number | null;
  timedOut?: boolean;
  decision?: 'auto' | 'human';
  detail?: string;
  paths?: string[];
  approval?: 'pending';
}

/** The registry's reads and writes of gate checks, through its write counter. */
export function checkWrites(db: Database.Database, write: Write) {
  const q = {
    latest: db.prepare<[string], GateCheckRow>('SELECT * FROM gate_checks WHERE job = ? ORDER BY n DESC LIMIT 1'),
    all: db.prepare<[string], GateCheckRow>('SELECT * FROM gate_checks WHERE job = ? ORDER BY n'),
    request: db.prepare(`INSERT INTO gate_checks (job, n, gen, command, requested_at)
      VALUES (@job, (SELECT COALESCE(MAX(n), 0) + 1 FROM gate_checks WHERE job = @job), @gen, @command, @now)`),
    start: db.prepare('UPDATE gate_checks SET started_at = @now, pid = @pid WHERE job = @job AND n = @n'),
    finish:
      db.prepare(`UPDATE gate_checks SET ended_at = @now, result = @result, exit_code = @exitCode, timed_out = @timedOut,
      decision = @decision, detail = @detail, paths = @paths, approval = @approval WHERE job = @job AND n = @n`),
    closeOpen: db.prepare(
      'UPDATE gate_checks SET ended_at = @now, result = @result WHERE job = @job AND result IS NULL',
    ),
    resolve: db.prepare("UPDATE gate_checks SET approval = @approval WHERE job = @job AND approval = 'pending'"),
    // Failed runs since the job's gate last passed or was exhausted: the attempts used in this round.
    failures: db
      .prepare<[string, string], number>(`SELECT COUNT(*) FROM gate_checks WHERE job = ? AND result = 'failed'
      AND n > COALESCE((SELECT MAX(n) FROM gate_checks WHERE job = ? AND result IN ('passed', 'no-gate', 'exhausted')), 0)`)
      .pluck(),
    runs: db
      .prepare<[string], number>(
        "SELECT COUNT(*) FROM gate_checks WHERE job = ? AND result IN ('passed', 'failed', 'exhausted')",
      )
      .pluck(),
    awaiting: db.prepare<[string], JobRow>(`SELECT j.* FROM jobs j JOIN gate_checks c ON c.job = j.id
      WHERE j.host = ? AND j.state = 'testing' AND c.result IS NULL ORDER BY c.requested_at`),
  };
  return {
    /** The job's newest check, if it has any. */
    latestCheck: (job: string) => q.latest.get(job),
    checksOf: (job: string) => q.all.all(job),
    /** Opens the next check of a job (in the transaction of the done that asked for it); returns it. */
    requestCheck: write((job: string, gen: number, command: string | null): GateCheckRow => {
      q.request.run({ job, gen, command, now: Date.now() });
      return q.latest.get(job)!;
    }),
    startCheck: write((job: string, n: number, pid: number | null) => {
      q.start.run({ job, n, pid, now: Date.now() });
    }),
    finishCheck: write((job: string, n: number, e: CheckEnd) => {
      q.finish.run({
        job,
        n,
        now: Date.now(),
        result: e.result,
        exitCode: e.exitCode ?? null,
        timedOut: e.timedOut ? 1 : 0,
        decision: e.decision ?? null,
        detail: e.detail ?? null,
        paths: e.paths ? JSON.stringify(e.paths) : null,
        approval: e.approval ?? null,
      });
    }),
    /** Ends the job's unfinished check, if any, with `result`; returns how many. */
    closeOpenChecks: write(
      (job: string, result: 'interrupted' | 'abandoned' | 'superseded') =>
        q.closeOpen.run({ job, result, now: Date.now() }).changes,
    ),
    /** Settles a pending approval: an operator's PASS, a NOT_PASS, or a new review the agent asked for. */
    resolveApproval: write(
      (job: string, approval: 'approved' | 'rejected' | 'superseded') => q.resolve.run({ job, approval }).changes,
    ),
    gateFailuresInRound: (job: string) => q.failures.get(job, job)!,
    gateRunsDone: (job: string) => q.runs.get(job)!,
    /** This host's jobs in testing whose check has not finished. */
    jobsAwaitingCheck: (host: string) => q.awaiting.all(host),
  };
}
