import type { Context } from '../../core/context.js';
import type { Logger } from '../../core/logger.js';
import type { JobRow, Registry } from '../registry/registry.js';
import type { SessionBackends } from '../session-backends.js';
import type { Transition } from '../state-machine.js';

/** What the drift checks use of the session manager, handed over when the sweep is created. */
export interface DriftDeps {
  ctx: Context;
  log: Logger;
  reg: Registry;
  host: string;
  backends: SessionBackends;
  publishState(job: string): Promise<void>;
  /** A committed batch's post-commit work for the job is still to finish. */
  settling(job: string): boolean;
  /** A launch or termination of the job is under way: that action records how it ends. */
  busy(job: string): boolean;
  /** Runs work after the job's earlier actions, in order. */
  onJob(job: string, work: () => Promise<void>): Promise<void>;
  /** Applies a reconciler action through the state table and publishes the new state. */
  act(job: string, input: Transition, reason: string): Promise<JobRow | undefined>;
  end(row: JobRow, reason: string): Promise<void>;
  launch(job: string): Promise<void>;
  resume(job: string, gen: number, prompt?: string): Promise<void>;
  /** Runs the job's open quality-gate check (subscriber/policies/gate-runner.ts). */
  runChecks(job: string): Promise<void>;
}
