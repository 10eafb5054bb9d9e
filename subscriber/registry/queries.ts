import { LIVE_STATES, TERMINAL_STATES } from '../state-machine.js';
import type { JobRow, RejectionRow, Registry, SessionRow } from './registry.js';

const inList = (states: readonly string[]) => states.map((t) => `'${t}'`).join(', ');
const LIVE_IN = inList(LIVE_STATES);
const TERMINAL_IN = inList(TERMINAL_STATES);

/** Read-side queries for the CLI (`mam jobs`, `mam job show`, `mam rejections`). */
export function listJobs(reg: Registry, opts: { state?: string; limit?: number } = {}): JobRow[] {
  const limit = opts.limit ?? 1000;
  return opts.state
    ? reg.db.prepare<[string, number], JobRow>('SELECT * FROM jobs WHERE state = ? ORDER BY created_at DESC LIMIT ?').all(opts.state, limit)
    : reg.db.prepare<[number], JobRow>('SELECT * FROM jobs ORDER BY created_at DESC LIMIT ?').all(limit);
}

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

export function jobTimeline(reg: Registry, job: string, limit = 500): TimelineEntry[] {
  const rows = reg.db
    .prepare<[string, number], { seq: number; sender: string; gen: number; type: string; ts: number; received_at: number; applied: number; state_after: string | null; raw: Buffer }>(
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
}

export function listRejections(reg: Registry, opts: { job?: string; limit?: number } = {}): RejectionRow[] {
  const limit = opts.limit ?? 100;
  return opts.job
    ? reg.db.prepare<[string, number], RejectionRow>('SELECT * FROM rejections WHERE job = ? ORDER BY id DESC LIMIT ?').all(opts.job, limit)
    : reg.db.prepare<[number], RejectionRow>('SELECT * FROM rejections ORDER BY id DESC LIMIT ?').all(limit);
}

/** Refusals per reason since the registry began: kept apart from the rows, which are pruned. */
export function countRejections(reg: Registry): Array<{ reason: string; n: number }> {
  const hasTotals = reg.db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'rejection_counts'").get() !== undefined;
  // A registry its reconciler has not migrated yet has only the rows.
  return hasTotals
    ? reg.db.prepare<[], { reason: string; n: number }>('SELECT reason, n FROM rejection_counts ORDER BY n DESC, reason').all()
    : reg.db.prepare<[], { reason: string; n: number }>('SELECT reason, COUNT(*) AS n FROM rejections GROUP BY reason ORDER BY n DESC').all();
}

export function listVerdicts(reg: Registry, job: string) {
  return reg.db
    .prepare<[string], { sender: string; seq: number; verdict: string; findings: string; reviewer: string | null; ts: number }>(
      'SELECT sender, seq, verdict, findings, reviewer, ts FROM verdicts WHERE job = ? ORDER BY id',
    )
    .all(job)
    .map((v) => ({ ...v, findings: JSON.parse(v.findings) as unknown[] }));
}

export function jobSessions(reg: Registry, job: string): SessionRow[] {
  return reg.db.prepare<[string], SessionRow>('SELECT * FROM sessions WHERE job = ? ORDER BY gen').all(job);
}

/** Jobs with a session not yet ended, on any host: their worktrees and logs are in use. */
export function liveSessionJobs(reg: Registry): Set<string> {
  return new Set(reg.db.prepare<[], { job: string }>('SELECT DISTINCT job FROM sessions WHERE ended_at IS NULL').all().map((r) => r.job));
}

// The reconciler's own reads (sweep, start-up announcements).

/** The host's jobs in a live state (state-machine.ts LIVE_STATES). */
export function liveJobs(reg: Registry, host: string): JobRow[] {
  return reg.db.prepare<[string], JobRow>(`SELECT * FROM jobs WHERE host = ? AND state IN (${LIVE_IN})`).all(host);
}

/** Jobs committed but maybe never launched: queued, or starting in a generation a resume opened. */
export function strandedJobs(reg: Registry, host: string): JobRow[] {
  return reg.db.prepare<[string], JobRow>("SELECT * FROM jobs WHERE host = ? AND state = 'starting' AND gen > 0").all(host);
}

/** The names of every session ever recorded. */
export function sessionNames(reg: Registry): Set<string> {
  return new Set(reg.db.prepare<[], { name: string }>('SELECT name FROM sessions').all().map((x) => x.name));
}

/** The audit copy of the job's latest applied resume. */
export function latestResume(reg: Registry, job: string): { raw: Buffer } | undefined {
  return reg.db
    .prepare<[string], { raw: Buffer }>("SELECT raw FROM events WHERE job = ? AND type = 'control.resume' AND applied = 1 ORDER BY id DESC LIMIT 1")
    .get(job);
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

/** Ids of the host's jobs not in a terminal state. */
export function unendedJobIds(reg: Registry, host: string): string[] {
  return reg.db.prepare<[string], string>(`SELECT id FROM jobs WHERE host = ? AND state NOT IN (${TERMINAL_IN})`).pluck().all(host);
}

/** Ids of the host's jobs that ended after `since`, newest first. */
export function endedJobIds(reg: Registry, host: string, since: number): string[] {
  return reg.db
    .prepare<[string, number], string>(`SELECT id FROM jobs WHERE host = ? AND state IN (${TERMINAL_IN}) AND updated_at > ? ORDER BY updated_at DESC`)
    .pluck()
    .all(host, since);
}
