import type Database from 'better-sqlite3';
import type { Write } from './policy-writes.js';

export type RunState = 'running' | 'stopped' | 'done' | 'failed';

export interface RunRow {
  id: string;
  host: string;
  file: string;
  /** the workflow file's text as it was when the run started */
  workflow: string;
  /** where steps run that name no workdir */
  workdir: string;
  /** the resolved params, JSON */
  params: string;
  state: RunState;
  reason: string | null;
  started_by: string;
  created_at: number;
  updated_at: number;
}

/** One launch the run's reconciler decided: the step (and foreach item, -1 for none), its attempt and job. */
export interface RunStepRow {
  run: string;
  step: string;
  item: number;
  attempt: number;
  job: string;
  decided_at: number;
}

/** The runs' tables, owned here like every table of the registry. */
export function createRunWrites(db: Database.Database, write: Write) {
  const q = {
    insert:
      db.prepare(`INSERT INTO runs (id, host, file, workflow, workdir, params, state, reason, started_by, created_at, updated_at)
      VALUES (@id, @host, @file, @workflow, @workdir, @params, @state, @reason, @started_by, @created_at, @created_at)`),
    get: db.prepare<[string], RunRow>('SELECT * FROM runs WHERE id = ?'),
    list: db.prepare<[number], RunRow>('SELECT * FROM runs ORDER BY created_at DESC, id LIMIT ?'),
    active: db.prepare<[string], RunRow>(
      "SELECT * FROM runs WHERE host = ? AND state = 'running' ORDER BY created_at, id",
    ),
    setState: db.prepare('UPDATE runs SET state = @state, reason = @reason, updated_at = @now WHERE id = @id'),
    insertStep: db.prepare(`INSERT INTO run_steps (run, step, item, attempt, job, decided_at)
      VALUES (@run, @step, @item, @attempt, @job, @decided_at)`),
    steps: db.prepare<[string], RunStepRow>(
      'SELECT * FROM run_steps WHERE run = ? ORDER BY decided_at, step, item, attempt',
    ),
    stepOfJob: db.prepare<[string], RunStepRow>('SELECT * FROM run_steps WHERE job = ?'),
  };
  return {
    /** Records a new run; false (nothing written) when a run of that id exists already. */
    insertRun: write((r: Omit<RunRow, 'updated_at'>): boolean => {
      if (q.get.get(r.id)) return false;
      q.insert.run(r);
      return true;
    }),
    getRun: (id: string): RunRow | undefined => q.get.get(id),
    listRuns: (limit = 1000): RunRow[] => q.list.all(limit),
    /** `host`'s runs still going, oldest first: what its reconciler drives. */
    activeRuns: (host: string): RunRow[] => q.active.all(host),
    setRunState: write((id: string, state: RunState, reason: string | null) =>
      q.setState.run({ id, state, reason, now: Date.now() }),
    ),
    /** A launch decision, in the transaction that creates its job: the primary key refuses a second. */
    recordRunStep: write((s: RunStepRow) => void q.insertStep.run(s)),
    runSteps: (run: string): RunStepRow[] => q.steps.all(run),
    /** The run step a job was launched for, if any (`mam brief`). */
    runStepOfJob: (job: string): RunStepRow | undefined => q.stepOfJob.get(job),
  };
}
