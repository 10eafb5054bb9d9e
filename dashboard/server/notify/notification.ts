import type { NotifyKind } from '../../../core/config.js';

export type { NotifyKind } from '../../../core/config.js';

/** Every kind a sink may ask for; all but done by default (schemas/config.schema.json). */
export const NOTIFY_KINDS: readonly NotifyKind[] = [
  'blocked',
  'failed',
  'escalated',
  'approval',
  'done',
  'host-offline',
  'breaker-open',
];

/** One thing to tell people: which job, on which host, in which state, and why. */
export interface Notification {
  /** What it is deduplicated by: the job, the kind and the job's generation (a host: its status's `since`). */
  key: string;
  kind: NotifyKind;
  /** undefined for host-offline */
  job?: string;
  host: string;
  /** the job's state (a host's: offline) */
  state: string;
  /** why: the agent's or the reconciler's reason, as recorded (untrusted text) */
  reason: string;
  gen?: number;
  agent?: string;
  /** an escalation's own kind (gate-failed, retries-exhausted …) for `escalated` */
  escalation?: string;
  /** the command that resolves it, when an escalation names one */
  command?: string;
  /** when it happened (ms) */
  at: number;
  /** the dashboard page to look at */
  link?: string;
}

/** One attempt to deliver a notification to a sink, as `recent()` lists it. */
export interface Delivery {
  at: number;
  sink: string;
  key: string;
  kind: NotifyKind;
  job?: string;
  host: string;
  attempt: number;
  ok: boolean;
  /** why it failed (never the sink's URL or secret) */
  error?: string;
  /** true once a failure was the last attempt: nothing more will be tried */
  gaveUp?: boolean;
}
