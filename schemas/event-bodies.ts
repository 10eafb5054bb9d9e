/**
 * TypeScript shapes of the event bodies described by schemas/events/<type>.json.
 * The JSON Schemas are the source of truth; these types only describe what a
 * body looks like after it passed validation (test/schemas checks samples of
 * each type against its schema).
 */

export interface JobStartedBody {
  pid?: number;
  backend?: 'tmux' | 'pty';
  session?: string;
  /** The agent CLI's own session id, kept so the job can be resumed. */
  agentSessionId?: string;
}

export type ProgressPhase = 'working' | 'testing' | 'review';

export interface JobProgressBody {
  message?: string;
  percent?: number;
  phase?: ProgressPhase;
}

export type JobHeartbeatBody = Record<string, never>;

export interface JobBlockedBody {
  reason: string;
}

export interface JobDoneBody {
  summary?: string;
  artifacts?: string[];
}

export interface JobFailedBody {
  reason: string;
  retryable?: boolean;
}

export interface JobCancelledBody {
  reason?: string;
  by?: string;
}

export type VerdictKind = 'PASS' | 'NOT_PASS';

export interface ReviewFinding {
  message: string;
  severity?: 'info' | 'minor' | 'major' | 'critical';
  file?: string;
  line?: number;
}

export interface ReviewVerdictBody {
  verdict: VerdictKind;
  findings: ReviewFinding[];
  reviewer?: string;
}

/** breaker.reset, an operator's command on hosts/<host>/control. */
export interface BreakerResetBody {
  agent: string;
  reason?: string;
}

/** schedule.add, an operator's command on hosts/<host>/control (docs/WORKFLOWS.md, Schedules). */
export interface ScheduleAddBody {
  id: string;
  cron: string;
  file: string;
  workflow: string;
  params?: Record<string, string>;
}

/** schedule.remove, an operator's command on hosts/<host>/control. */
export interface ScheduleRemoveBody {
  id: string;
}

/** run.start, an operator's command on hosts/<host>/control (docs/WORKFLOWS.md). */
export interface RunStartBody {
  id: string;
  file: string;
  workflow: string;
  workdir: string;
  params?: Record<string, string>;
}

/** run.stop and run.resume, an operator's commands on hosts/<host>/control. */
export interface RunIdBody {
  id: string;
}

/** escalation.open on jobs/<job>/escalations: what a job needs of a person (docs/POLICIES.md). */
export interface EscalationOpenBody {
  job: string;
  host: string;
  /** blocked, gate-failed, needs-approval, retries-exhausted, breaker-open */
  kind: string;
  reason: string;
  /** the mam command that resolves it */
  command: string;
  /** when it was raised, ms */
  at: number;
}

/** escalation.cleared on jobs/<job>/escalations: those kinds are resolved. */
export interface EscalationClearedBody {
  job: string;
  host: string;
  kinds: string[];
  /** what resolved them */
  reason: string;
  at: number;
}

/** Body type by event type, for code that switches on `msg.type`. */
export interface EventBodies {
  'job.started': JobStartedBody;
  'job.progress': JobProgressBody;
  'job.heartbeat': JobHeartbeatBody;
  'job.blocked': JobBlockedBody;
  'job.done': JobDoneBody;
  'job.failed': JobFailedBody;
  'job.cancelled': JobCancelledBody;
  'review.verdict': ReviewVerdictBody;
}

export type EventType = keyof EventBodies;
