/**
 * The one registry of mam's typed errors. Every error a user or a daemon can
 * meet carries a permanent `code`; tests assert codes, never message text.
 * The CLI entry point maps `exitCode` to the process exit status.
 */

/** Every exit status of the `mam` program, with what it means: the CLI, its help and the README read this one list. */
export const EXIT = {
  OK: 0,
  FAILURE: 1,
  USAGE: 2,
  CONFIG: 3,
  NOT_FOUND: 4,
  BROKER: 5,
  /** The reconciler refused the event (the reason is printed and in `mam rejections`). */
  REFUSED: 65,
  /** The event was published but not acknowledged in time; it waits in the job's outbox. */
  QUEUED: 75,
  UNSUPPORTED: 6,
  INTERNAL: 70,
} as const;

/** One line per exit status, for `mam --help` (the README's list says the same). */
export const EXIT_MEANINGS: ReadonlyArray<[number, string]> = [
  [EXIT.OK, 'ok'],
  [EXIT.FAILURE, 'failure'],
  [EXIT.USAGE, 'usage'],
  [EXIT.CONFIG, 'config or workspace'],
  [EXIT.NOT_FOUND, 'not found'],
  [EXIT.BROKER, 'broker unreachable or login refused'],
  [EXIT.UNSUPPORTED, 'unsupported platform'],
  [EXIT.REFUSED, 'refused by the reconciler (reason printed; `mam rejections`)'],
  [EXIT.INTERNAL, 'internal error'],
  [EXIT.QUEUED, 'not acknowledged in time, or not sent: kept in the outbox and re-sent'],
];

export const CODES = {
  USAGE: EXIT.USAGE,
  CONFIG_INVALID: EXIT.CONFIG,
  WORKSPACE_MISSING: EXIT.CONFIG,
  WORKSPACE_EXISTS: EXIT.CONFIG,
  PLATFORM_UNSUPPORTED: EXIT.UNSUPPORTED,
  BROKER_UNREACHABLE: EXIT.BROKER,
  BROKER_REFUSED: EXIT.BROKER,
  BROKER_UNTRUSTED: EXIT.BROKER,
  /** the embedded broker's port (broker.port) is held by another process */
  PORT_IN_USE: EXIT.CONFIG,
  NOT_AUTHORIZED: EXIT.BROKER,
  ACK_TIMEOUT: EXIT.QUEUED,
  REFUSED: EXIT.REFUSED,
  BAD_ENVELOPE: EXIT.FAILURE,
  BAD_SIGNATURE: EXIT.FAILURE,
  /** a verified message whose sender is not of the class its key proves (core/signers.ts) */
  SENDER_MISMATCH: EXIT.FAILURE,
  UNKNOWN_KEY_ID: EXIT.FAILURE,
  SCHEMA: EXIT.FAILURE,
  OVERSIZE: EXIT.FAILURE,
  TOPIC_MISMATCH: EXIT.FAILURE,
  NAMESPACE_MISMATCH: EXIT.FAILURE,
  REPLAY: EXIT.FAILURE,
  STALE_SEQ: EXIT.FAILURE,
  TIMESTAMP: EXIT.FAILURE,
  WRONG_GENERATION: EXIT.FAILURE,
  ILLEGAL_TRANSITION: EXIT.FAILURE,
  PREDATES_JOB: EXIT.FAILURE,
  UNKNOWN_JOB: EXIT.NOT_FOUND,
  REGISTRY_MISSING: EXIT.NOT_FOUND,
  KEY_NOT_FOUND: EXIT.NOT_FOUND,
  FILE_NOT_FOUND: EXIT.NOT_FOUND,
  /** `mam schedule remove` of a schedule this host does not keep */
  UNKNOWN_SCHEDULE: EXIT.NOT_FOUND,
  /** a workflow run this host does not keep */
  UNKNOWN_RUN: EXIT.NOT_FOUND,
  /** a workflow file (or its params) with problems: every one is listed */
  WORKFLOW_INVALID: EXIT.USAGE,
  /** a step's predecessors' branches conflict when merged for it (the paths are named) */
  HANDOFF_CONFLICT: EXIT.FAILURE,
  HANDOFF_MISSING: EXIT.FAILURE,
  WORKDIR_MISSING: EXIT.NOT_FOUND,
  /** a file the job's program needs exists in the workdir but not in the fresh worktree of HEAD */
  PROGRAM_NOT_COMMITTED: EXIT.NOT_FOUND,
  /** the job's launch ended in failure (the reason is printed) */
  LAUNCH_FAILED: EXIT.FAILURE,
  /** the job was created but its launch was not confirmed within the wait */
  LAUNCH_UNCONFIRMED: EXIT.QUEUED,
  /** the registry file was deleted or replaced under the running reconciler */
  REGISTRY_REPLACED: EXIT.CONFIG,
  JOB_EXISTS: EXIT.FAILURE,
  /** `mam host add` of a host already added and not revoked */
  HOST_EXISTS: EXIT.FAILURE,
  /** a host name the admin workspace's hosts.json does not list */
  UNKNOWN_HOST: EXIT.NOT_FOUND,
  /** `mam job create --host` of a host whose retained status says offline, without --queue-offline */
  HOST_OFFLINE: EXIT.FAILURE,
  /** --after would make a job wait for itself, directly or through other jobs */
  DEPENDENCY_CYCLE: EXIT.USAGE,
  /** `mam approve` of a job that is not in review: nothing waits for an approval */
  NOT_IN_REVIEW: EXIT.FAILURE,
  LOCK: EXIT.FAILURE,
  RECONCILER_RUNNING: EXIT.FAILURE,
  TMUX_MISSING: EXIT.UNSUPPORTED,
  SANDBOX_UNAVAILABLE: EXIT.UNSUPPORTED,
  SESSION: EXIT.FAILURE,
  ADAPTER: EXIT.FAILURE,
  NOT_READY: EXIT.FAILURE,
  SUBMIT_FAILED: EXIT.FAILURE,
  // A dialog or blocker covered the input line during submission: the drive goes back to the readiness probe.
  SUBMIT_INTERRUPTED: EXIT.FAILURE,
  DAEMON: EXIT.FAILURE,
  DOCTOR_FAILED: EXIT.FAILURE,
  INTERNAL: EXIT.INTERNAL,
} as const;

export type ErrorKey = keyof typeof CODES;
export type ErrorCode = `MAM_ERR_${ErrorKey}`;

export class MamError extends Error {
  readonly code: ErrorCode;
  readonly exitCode: number;
  /** What the user should do next; printed under the message by the CLI. */
  readonly hint?: string;

  constructor(key: ErrorKey, message: string, opts: { hint?: string; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'MamError';
    this.code = `MAM_ERR_${key}`;
    this.exitCode = CODES[key];
    this.hint = opts.hint;
  }
}

export function isMamError(err: unknown, key?: ErrorKey): err is MamError {
  return err instanceof MamError && (key === undefined || err.code === `MAM_ERR_${key}`);
}

/** Reason codes stored with rejected events: the error code without its prefix, lower-cased. */
export function reasonOf(err: unknown): string {
  if (err instanceof MamError) return err.code.slice('MAM_ERR_'.length).toLowerCase();
  return 'internal';
}
