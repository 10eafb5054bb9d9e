/**
 * The one registry of mam's typed errors. Every error a user or a daemon can
 * meet carries a permanent `code`; tests assert codes, never message text.
 * The CLI entry point maps `exitCode` to the process exit status.
 */

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

export const CODES = {
  USAGE: EXIT.USAGE,
  CONFIG_INVALID: EXIT.CONFIG,
  WORKSPACE_MISSING: EXIT.CONFIG,
  WORKSPACE_EXISTS: EXIT.CONFIG,
  PLATFORM_UNSUPPORTED: EXIT.UNSUPPORTED,
  BROKER_UNREACHABLE: EXIT.BROKER,
  BROKER_REFUSED: EXIT.BROKER,
  NOT_AUTHORIZED: EXIT.BROKER,
  ACK_TIMEOUT: EXIT.QUEUED,
  REFUSED: EXIT.REFUSED,
  BAD_ENVELOPE: EXIT.FAILURE,
  BAD_SIGNATURE: EXIT.FAILURE,
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
  UNKNOWN_JOB: EXIT.NOT_FOUND,
  REGISTRY_MISSING: EXIT.NOT_FOUND,
  JOB_EXISTS: EXIT.FAILURE,
  LOCK: EXIT.FAILURE,
  RECONCILER_RUNNING: EXIT.FAILURE,
  TMUX_MISSING: EXIT.UNSUPPORTED,
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
