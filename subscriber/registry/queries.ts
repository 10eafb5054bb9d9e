import type Database from 'better-sqlite3';
import { LIVE_STATES, TERMINAL_STATES } from '../state-machine.js';
import type { JobRow, RejectionRow, SessionRow } from './rows.js';

const inList = (states: readonly string[]) => states.map((t) => `'${t}'`).join(', ');
const LIVE_IN = inList(LIVE_STATES);
const TERMINAL_IN = inList(TERMINAL_STATES);

export interface TimelineEntry {
  seq: number;
  sender: string;
  gen: number;
  type: string;
  ts: number;
  received_at: number;
  applied: number;
  state_after: string | null;
  body: unknown;
}

type TimelineRow = Omit<TimelineEntry, 'body'> & { raw: Buffer };

/**
 * The registry's named reads, one method each on the registry (see openRegistry): the CLI's
 * (`mam jobs`, `mam job show`, `mam rejections`, `mam gc`), then the reconciler's own.
 */
export function createQueries(db: Database.Database) {
  return {
    listJobs(opts: { state?: string; limit?: number } = {}): JobRow[] {
      const limit = opts.limit ?? 1000;
      return opts.state
        ? db
            .prepare<[string, number], JobRow>('SELECT * FROM jobs WHERE state = ? ORDER BY created_at DESC LIMIT ?')
            .all(opts.state, limit)
        : db.prepare<[number], JobRow>('SELECT * FROM jobs ORDER BY created_at DESC LIMIT ?').all(limit);
    },

    /** How many jobs are in each state. */
    jobCounts(): Record<string, number> {
      const rows = db
        .prepare<[], { state: string; n: number }>('SELECT state, COUNT(*) AS n FROM jobs GROUP BY state')
        .all();
      return Object.fromEntries(rows.map((r) => [r.state, r.n]));
    },

    /** The job's latest `limit` events, oldest first, each with its body. */
    jobTimeline(job: string, limit = 500): TimelineEntry[] {
      const rows = db
        .prepare<[string, number], TimelineRow>(
          'SELECT seq, sender, gen, type, ts, received_at, applied, state_after, raw FROM events WHERE job = ? ORDER BY id DESC LIMIT ?',
        )
        .all(job, limit)
        .reverse();
      return rows.map(({ raw, ...r }) => {
        let body: unknown = null;
        try {
          // raw was verified before it was stored; reading it back needs no second check
          body = JSON.parse(JSON.parse(raw.toString('utf8')).msg).body;
        } catch {
          body = null;
        }
        return { ...r, body };
      });
    },

    /** Events in the log, of one job or of all (applied and refused-but-consumed alike). */
    countEvents(job?: string): number {
      return job === undefined
        ? db.prepare<[], number>('SELECT COUNT(*) FROM events').pluck().get()!
        : db.prepare<[string], number>('SELECT COUNT(*) FROM events WHERE job = ?').pluck().get(job)!;
    },

    /**
     * The newest refusals first: all, or those of `job`, or those recorded for `job` or on `topic`
     * (a message refused before it was opened, a bad signature say, is known only by its topic).
     */
    listRejections(opts: { job?: string; topic?: string; limit?: number } = {}): RejectionRow[] {
      const by = (['job', 'topic'] as const).filter((k) => opts[k]);
      const where = by.length ? `WHERE ${by.map((k) => `${k} = @${k}`).join(' OR ')}` : '';
      return db
        .prepare<Record<string, string | number>, RejectionRow>(
          `SELECT * FROM rejections ${where} ORDER BY id DESC LIMIT @limit`,
        )
        .all({ limit: opts.limit ?? 100, ...Object.fromEntries(by.map((k) => [k, opts[k]!])) });
    },

    /** Refusals per reason since the registry began: kept apart from the rows, which are pruned. */
    countRejections(): Array<{ reason: string; n: number }> {
      const hasTotals =
        db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'rejection_counts'").get() !==
        undefined;
      // A registry its reconciler has not migrated yet has only the rows.
      return hasTotals
        ? db
            .prepare<[], { reason: string; n: number }>(
              'SELECT reason, n FROM rejection_counts ORDER BY n DESC, reason',
            )
            .all()
        : db
            .prepare<[], { reason: string; n: number }>(
              'SELECT reason, COUNT(*) AS n FROM rejections GROUP BY reason ORDER BY n DESC',
            )
            .all();
    },

    listVerdicts(job: string) {
      return db
        .prepare<
          [string],
          { sender: string; seq: number; verdict: string; findings: string; reviewer: string | null; ts: number }
        >('SELECT sender, seq, verdict, findings, reviewer, ts FROM verdicts WHERE job = ? ORDER BY id')
        .all(job)
        .map((v) => ({ ...v, findings: JSON.parse(v.findings) as unknown[] }));
    },

    /** Every session of the job, by generation. */
    jobSessions(job: string): SessionRow[] {
      return db.prepare<[string], SessionRow>('SELECT * FROM sessions WHERE job = ? ORDER BY gen').all(job);
    },

    /** Jobs with a session not yet ended, on any host: their worktrees and logs are in use. */
    liveSessionJobs(): Set<string> {
      return new Set(db.prepare<[], string>('SELECT DISTINCT job FROM sessions WHERE ended_at IS NULL').pluck().all());
    },

    // The reconciler's own reads (sweep, start-up announcements).

    /** The host's jobs in a live state (state-machine.ts LIVE_STATES). */
    liveJobs(host: string): JobRow[] {
      return db.prepare<[string], JobRow>(`SELECT * FROM jobs WHERE host = ? AND state IN (${LIVE_IN})`).all(host);
    },
    /** Jobs moved to starting (by the queue or a resume) whose launch may never have come. */
    strandedJobs(host: string): JobRow[] {
      return db
        .prepare<[string], JobRow>("SELECT * FROM jobs WHERE host = ? AND state = 'starting' AND gen > 0")
        .all(host);
    },

    /**
     * The host's launched jobs whose current generation has no session row (a launch cut short between its start and
     * its record).
     */
    jobsWithoutSession(host: string): JobRow[] {
      return db
        .prepare<[string], JobRow>(
          'SELECT j.* FROM jobs j WHERE j.host = ? AND j.gen >= 1 AND NOT EXISTS (SELECT 1 FROM sessions s WHERE s.job = j.id AND s.gen = j.gen)',
        )
        .all(host);
    },

    /** The names of every session ever recorded. */
    sessionNames(): Set<string> {
      return new Set(db.prepare<[], string>('SELECT name FROM sessions').pluck().all());
    },

    /** The audit copy of the job's latest applied resume. */
    latestResume(job: string): { raw: Buffer } | undefined {
      return db
        .prepare<[string], { raw: Buffer }>(
          "SELECT raw FROM events WHERE job = ? AND type = 'control.resume' AND applied = 1 ORDER BY id DESC LIMIT 1",
        )
        .get(job);
    },

    /** Ids of the host's jobs not in a terminal state. */
    unendedJobIds(host: string): string[] {
      return db
        .prepare<[string], string>(`SELECT id FROM jobs WHERE host = ? AND state NOT IN (${TERMINAL_IN})`)
        .pluck()
        .all(host);
    },

    /** Ids of the host's jobs that ended after `since`, newest first. */
    endedJobIds(host: string, since: number): string[] {
      return db
        .prepare<[string, number], string>(
          `SELECT id FROM jobs WHERE host = ? AND state IN (${TERMINAL_IN}) AND updated_at > ? ORDER BY updated_at DESC`,
        )
        .pluck()
        .all(host, since);
    },
  };
}

/**
 * The body of an event as the log keeps it (events.raw): the audit copy of a message verified
 * before it was committed, read as it stands; undefined when the row was changed by hand.
 */
export function loggedBody(raw: Buffer): Record<string, unknown> | undefined {
  try {
    const body = (JSON.parse((JSON.parse(raw.toString('utf8')) as { msg: string }).msg) as { body?: unknown }).body;
    return body !== null && typeof body === 'object' ? (body as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
