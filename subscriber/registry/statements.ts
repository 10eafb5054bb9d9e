import type Database from 'better-sqlite3';
import type { JobRow, SessionRow } from './rows.js';

/** The writer's own statements (registry.ts), prepared once per connection. */
export function prepareStatements(db: Database.Database) {
  return {
    getJob: db.prepare<[string], JobRow>('SELECT * FROM jobs WHERE id = ?'),
    insertJob:
      db.prepare(`INSERT INTO jobs (id, state, reason, gen, host, agent, workdir, spec, created_at, updated_at, born_ts, priority)
      VALUES (@id, @state, @reason, @gen, @host, @agent, @workdir, @spec, @now, @now, @bornTs, @priority)`),
    updateJob: db.prepare(`UPDATE jobs SET state = @state, reason = @reason, gen = @gen, state_seq = state_seq + 1,
      updated_at = @now, last_event_at = COALESCE(@eventAt, last_event_at) WHERE id = @id`),
    touchJob: db.prepare('UPDATE jobs SET last_event_at = @eventAt WHERE id = @id'),
    getHwm: db.prepare<[string, string], { seq: number }>('SELECT seq FROM hwm WHERE job = ? AND sender = ?'),
    setHwm: db.prepare(
      'INSERT INTO hwm (job, sender, seq) VALUES (?, ?, ?) ON CONFLICT (job, sender) DO UPDATE SET seq = excluded.seq',
    ),
    hwmOf: db.prepare<[string], { sender: string; seq: number }>('SELECT sender, seq FROM hwm WHERE job = ?'),
    hasEvent: db.prepare<[string, string, number], { one: number }>(
      'SELECT 1 AS one FROM events WHERE job = ? AND sender = ? AND seq = ?',
    ),
    eventApplied: db
      .prepare<[string, string, number], number>('SELECT applied FROM events WHERE job = ? AND sender = ? AND seq = ?')
      .pluck(),
    refusalOf: db
      .prepare<[string, string, number], string>(
        'SELECT reason FROM rejections WHERE job = ? AND sender = ? AND seq = ? ORDER BY id DESC LIMIT 1',
      )
      .pluck(),
    // Positional: binding eleven named parameters from an object costs more than the insert's own work.
    insertEvent: db.prepare<
      [string, string, number, number, string, number, number, string, number, string | null, Buffer]
    >(
      'INSERT INTO events (job, sender, seq, gen, type, ts, received_at, kid, applied, state_after, raw) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    ),
    insertVerdict: db.prepare(`INSERT INTO verdicts (job, sender, seq, verdict, findings, reviewer, ts)
      VALUES (@job, @sender, @seq, @verdict, @findings, @reviewer, @ts)`),
    insertRejection: db.prepare(`INSERT INTO rejections (at, reason, detail, topic, job, sender, seq, raw)
      VALUES (@at, @reason, @detail, @topic, @job, @sender, @seq, @raw)`),
    countRejection:
      db.prepare(`INSERT INTO rejection_counts (reason, n, first_at, last_at) VALUES (@reason, 1, @at, @at)
      ON CONFLICT (reason) DO UPDATE SET n = n + 1, last_at = excluded.last_at`),
    insertSession:
      db.prepare(`INSERT OR REPLACE INTO sessions (job, gen, host, backend, name, pid, workdir, git_base, started_at)
      VALUES (@job, @gen, @host, @backend, @name, @pid, @workdir, @git_base, @now)`),
    endSession: db.prepare(
      'UPDATE sessions SET ended_at = @now, end_reason = @reason WHERE job = @job AND gen = @gen AND ended_at IS NULL',
    ),
    setAgentSessionId: db.prepare('UPDATE sessions SET agent_session_id = ? WHERE job = ? AND gen = ?'),
    getSession: db.prepare<[string, number], SessionRow>('SELECT * FROM sessions WHERE job = ? AND gen = ?'),
    liveSessions: db.prepare<[string], SessionRow>('SELECT * FROM sessions WHERE host = ? AND ended_at IS NULL'),
  };
}
