import type { MeshClient } from '../../broker/client.js';
import type { MamError } from '../../core/errors.js';
import type { Keyring } from '../../core/keys.js';
import type { Outcome } from '../apply-message.js';
import type { DoneChecks } from '../policies/done-checks.js';
import type { JobRow, Registry } from '../registry/registry.js';

/** The reconciler's public face, and what it lends the parts plugged into it. */
export interface ReconcilerHooks {
  /**
   * Runs after each committed batch, with what it did (launch, terminate …: issue-level features plug in here).
   * Called in commit order, but without waiting for the previous batch's call to finish.
   */
  afterCommit?(outcomes: Outcome[]): void | Promise<void>;
  /** Extra work for each sweep (drift checks). */
  sweep?(): void | Promise<void>;
  /** Expected artifacts of a job that are missing (a done without them does not end the job). */
  missingArtifacts?(job: JobRow): string[];
  /** Quality gates and approvals a verified done passes before it ends a job. */
  checks?: DoneChecks;
}

/** What the reconciler lends the parts plugged into it, when it creates them. */
export interface ReconcilerCore {
  reg: Registry;
  client: MeshClient;
  /** the keys the reconciler signs and verifies with (reloaded when rotated) */
  keyring: Keyring;
  /** Publishes the retained state of a job of this host (after changes made outside the event path). */
  publishState(job: string): Promise<void>;
  /** True while a committed batch's post-commit work for the job (launch, termination) is still to finish. */
  settling(job: string): boolean;
}

/** Creates the hooks once the registry, client and state publisher exist, before any batch commits. */
export type CreateHooks = (core: ReconcilerCore) => ReconcilerHooks;

export interface Reconciler {
  reg: Registry;
  client: MeshClient;
  /** Publishes the retained state of a job of this host (after changes made outside the event path). */
  publishState(job: string): Promise<void>;
  sweepNow(): Promise<void>;
  /** True while a committed batch's post-commit work for the job (launch, termination) is still to finish. */
  settling(job: string): boolean;
  /** Settles only if the registry file is deleted or replaced under the reconciler: it has stopped taking messages. */
  failed: Promise<MamError>;
  /** sweepMs: durations of the latest sweeps (outbox + drift), newest last, at most 32 */
  stats: {
    received: number;
    committed: number;
    duplicates: number;
    rejected: number;
    batches: number;
    /** messages committed in batches, and the time spent in their transactions (ms) */
    batchItems: number;
    commitMs: number;
    sweeps: number;
    sweepMs: number[];
    /** state announcements made at connects, and how many job snapshots the last one published */
    announces: number;
    announced: number;
  };
  close(): Promise<void>;
}
