import type { JobState, Transition } from './state-machine.js';
import type { StoppedJob } from './workflows/stop-run.js';

/** What committing one verified message did; the reconciler acts on these after the commit. */
export type Outcome =
  | {
      kind: 'applied';
      job: string;
      sender: string;
      seq: number;
      type: string;
      gen: number;
      from: JobState;
      to: JobState;
      input: Transition;
      reason: string | null;
      body: Record<string, unknown>;
    }
  | { kind: 'recorded'; job: string; sender: string; seq: number }
  | { kind: 'duplicate'; job: string; sender: string; seq: number }
  | { kind: 'created'; job: string; sender: string; seq: number; launch: boolean; ownHost: boolean }
  | { kind: 'resumed'; job: string; sender: string; seq: number; gen: number; ownHost: boolean; prompt?: string }
  | { kind: 'breaker-reset'; job: string; sender: string; seq: number; agent: string; was: string }
  /** a run.stop: the run's jobs it cancelled, whose sessions end after the commit */
  | { kind: 'run-stopped'; job: string; sender: string; seq: number; stopped: StoppedJob[] }
  | { kind: 'rejected'; reason: string; detail: string; job?: string; sender?: string; seq?: number };
