import type Database from 'better-sqlite3';
import type { Write } from './policy-writes.js';

export interface ScheduleRow {
  id: string;
  host: string;
  cron: string;
  file: string;
  workflow: string;
  /** the run's params, JSON */
  params: string;
  added_by: string;
  added_at: number;
  /** when it fires next (epoch ms); null: the expression has no future time */
  next_at: number | null;
  last_fired_at: number | null;
}

export interface FiringRow {
  id: number;
  schedule: string;
  /** the firing time it was due at */
  due_at: number;
  fired_at: number;
  /** how many firing times had passed unfired (the reconciler was down): they fire once, as this one */
  missed: number;
  /** the run it started, or null with `error` */
  run: string | null;
  error: string | null;
}

/** The schedules' table and its firings, owned here like every table of the registry. */
export function createScheduleWrites(db: Database.Database, write: Write) {
  const q = {
    put: db.prepare(`INSERT INTO schedules (id, host, cron, file, workflow, params, added_by, added_at, next_at)
      VALUES (@id, @host, @cron, @file, @workflow, @params, @added_by, @added_at, @next_at)
      ON CONFLICT(id) DO UPDATE SET host = excluded.host, cron = excluded.cron, file = excluded.file,
        workflow = excluded.workflow, params = excluded.params, added_by = excluded.added_by,
        added_at = excluded.added_at, next_at = excluded.next_at`),
    remove: db.prepare('DELETE FROM schedules WHERE id = ?'),
    get: db.prepare<[string], ScheduleRow>('SELECT * FROM schedules WHERE id = ?'),
    list: db.prepare<{ host: string | null }, ScheduleRow>(
      'SELECT * FROM schedules WHERE @host IS NULL OR host = @host ORDER BY id',
    ),
    due: db.prepare<[string, number], ScheduleRow>(
      'SELECT * FROM schedules WHERE host = ? AND next_at IS NOT NULL AND next_at <= ? ORDER BY next_at, id',
    ),
    fired: db.prepare('UPDATE schedules SET last_fired_at = @fired_at, next_at = @next_at WHERE id = @id'),
    firing: db.prepare(`INSERT INTO schedule_firings (schedule, due_at, fired_at, missed, run, error)
      VALUES (@schedule, @due_at, @fired_at, @missed, @run, @error)`),
    firings: db.prepare<[string], FiringRow>('SELECT * FROM schedule_firings WHERE schedule = ? ORDER BY id'),
  };
  return {
    /** Adds a schedule, or replaces the one of the same id (its firings stay). */
    putSchedule: write((s: Omit<ScheduleRow, 'last_fired_at'>) => void q.put.run(s)),
    /** False when there was no such schedule. */
    removeSchedule: write((id: string): boolean => q.remove.run(id).changes > 0),
    getSchedule: (id: string): ScheduleRow | undefined => q.get.get(id),
    /** Every schedule, or `host`'s, by id. */
    listSchedules: (host?: string): ScheduleRow[] => q.list.all({ host: host ?? null }),
    /** `host`'s schedules whose next firing is at or before `now`, earliest first. */
    dueSchedules: (host: string, now: number): ScheduleRow[] => q.due.all(host, now),
    /** One firing recorded, and the schedule's next one set: in the caller's transaction, with the run it started. */
    recordFiring: write((f: Omit<FiringRow, 'id'>, nextAt: number | null) => {
      q.firing.run(f);
      q.fired.run({ id: f.schedule, fired_at: f.fired_at, next_at: nextAt });
    }),
    scheduleFirings: (id: string): FiringRow[] => q.firings.all(id),
  };
}
