import type Database from 'better-sqlite3';
import type { EventRow, JobRow, SessionRow } from './rows.js';

/**
 * The rows the registry holds of one job: the job, its sessions, its events and the high-water marks of its senders.
 */
export interface JobHistory {
  job: JobRow;
  sessions?: SessionRow[];
  events?: EventRow[];
  hwm?: Array<{ sender: string; seq: number }>;
}

interface Writes {
  transaction<T>(fn: () => T): T;
  insertEvent(e: EventRow): void;
  setHwm(job: string, sender: string, seq: number): void;
}

/**
 * Writes a job's rows exactly as given, timestamps and counters included, outside the state
 * table: how a benchmark or a test lays down the history months of work leave in a registry.
 * Events and marks go through the registry's own writes (`reg`); `jobChanged` drops what a
 * cache holds of the job.
 */
export function createJobRestore(db: Database.Database, reg: Writes, jobChanged: (id: string) => void) {
  // Prepared at the first restore: most registries never make one.
  let q: { job: Database.Statement<[JobRow]>; session: Database.Statement<[SessionRow]> } | undefined;
  const prepared = () =>
    (q ??= {
      job: db.prepare(`INSERT INTO jobs (id, state, reason, gen, host, agent, workdir, spec, state_seq, created_at, updated_at, last_event_at, born_ts,
          priority, not_before, attempts, gate_runs)
        VALUES (@id, @state, @reason, @gen, @host, @agent, @workdir, @spec, @state_seq, @created_at, @updated_at, @last_event_at, @born_ts,
          @priority, @not_before, @attempts, @gate_runs)`),
      session:
        db.prepare(`INSERT INTO sessions (job, gen, host, backend, name, pid, workdir, git_base, agent_session_id, started_at, ended_at, end_reason)
        VALUES (@job, @gen, @host, @backend, @name, @pid, @workdir, @git_base, @agent_session_id, @started_at, @ended_at, @end_reason)`),
    });
  return (h: JobHistory): void =>
    reg.transaction(() => {
      jobChanged(h.job.id);
      prepared().job.run(h.job);
      for (const s of h.sessions ?? []) prepared().session.run(s);
      for (const e of h.events ?? []) reg.insertEvent(e);
      for (const m of h.hwm ?? []) reg.setHwm(h.job.id, m.sender, m.seq);
    });
}
