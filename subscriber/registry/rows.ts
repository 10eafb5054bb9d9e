import type { JobState } from '../state-machine.js';

export interface JobRow {
  id: string;
  state: JobState;
  reason: string | null;
  gen: number;
  host: string;
  agent: string | null;
  workdir: string | null;
  spec: string;
  state_seq: number;
  created_at: number;
  updated_at: number;
  last_event_at: number | null;
  /** the signed ts of the job's control.create (null: made before it was kept, or an orphan) */
  born_ts: number | null;
  /** queue priority 0 (lowest) … 9 (urgent); waiting jobs gain a level per scheduler.agingSeconds */
  priority: number;
  /** a retrying job launches no earlier than this (its backoff deadline), ms */
  not_before: number | null;
  /** retries used (failed or lost generations relaunched) */
  attempts: number;
  /** quality-gate runs so far */
  gate_runs: number;
}

export interface SessionRow {
  job: string;
  gen: number;
  host: string;
  backend: string;
  name: string;
  pid: number | null;
  workdir: string | null;
  git_base: string | null;
  agent_session_id: string | null;
  started_at: number;
  ended_at: number | null;
  end_reason: string | null;
}

export interface EventRow {
  job: string;
  sender: string;
  seq: number;
  gen: number;
  type: string;
  ts: number;
  received_at: number;
  kid: string;
  applied: number;
  state_after: string | null;
  raw: Buffer;
}

export interface RejectionRow {
  id: number;
  at: number;
  reason: string;
  detail: string | null;
  topic: string;
  job: string | null;
  sender: string | null;
  seq: number | null;
  raw: Buffer | null;
}
