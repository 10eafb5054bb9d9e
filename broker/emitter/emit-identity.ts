import type { HostOf } from '../../core/signers.js';
import type { Keyring } from '../../core/keys.js';

/** Who emits, and how they reach the broker: from an agent session's MAM_* variables or the workspace. */
export interface EmitIdentity {
  ns: string;
  job: string;
  sender: string;
  /** the session generation; undefined: taken from the job's retained state (0 when none) */
  gen?: number;
  keyring: Keyring;
  /** the job's host when known: its per-host keys sign the operator's events and verify the job's snapshots */
  hostOf?: HostOf;
  login: { username: string; password: string };
  url: string;
  ca: Buffer | string;
  jobDir: string;
  maxMessageBytes: number;
  /** with the broker down and `gen` undefined: the generation known without the broker, if any */
  offlineGen?: () => Promise<number | undefined>;
  /**
   * Whether the job exists as far as this host can tell without its state: asked only when no
   * state of the job arrives. False: the event is neither sent nor kept (MAM_ERR_UNKNOWN_JOB).
   */
  knownJob?: () => Promise<boolean>;
}

export interface EmitResult {
  topic: string;
  seq: number;
  gen: number;
  /** committed by the reconciler (false with wait: false, or when the wait timed out) */
  committed: boolean;
  /** earlier outbox entries of this job re-sent along the way */
  resent: number;
  /** how many of those the reconciler refused (moved to outbox/expired/, listed by `mam rejections`) */
  refusedResends: number;
  /** whether any state of the job arrived: none means an unknown job id, or no reconciler owning it */
  sawState: boolean;
  /** set when the broker could not be reached: the event was not sent, only kept in the outbox */
  unreachable?: string;
}
