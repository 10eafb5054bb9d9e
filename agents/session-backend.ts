/**
 * The one interface every session backend (tmux, node-pty) implements.
 * Adapters and the reconciler speak only to this; they never shell out to
 * tmux or touch a pty themselves.
 */

export type BackendName = 'tmux' | 'pty';

export interface SessionSpec {
  /** Collision-free session name (see session-name.ts): no '.' or ':'. */
  name: string;
  /** Absolute working directory of the session. */
  cwd: string;
  /** argv[0] and arguments of the program to run. */
  command: string;
  args: string[];
  /**
   * A program that runs the command (argv prefix: the sandbox, agents/sandbox/);
   * the session's pid is then this program's, and it must exec or wait for the command.
   */
  wrapper?: string[];
  /** Full environment for the session (the caller merges process.env if wanted). */
  env: Record<string, string>;
  cols?: number;
  rows?: number;
  /** When set, everything the session prints is appended here (size-capped by the caller's logger). */
  logFile?: string;
}

export interface SessionInfo {
  name: string;
  backend: BackendName;
  /** pid of the program running in the session (the process group leader). */
  pid: number;
}

/** Keys an adapter can send besides plain text. */
export type Key = 'Enter' | 'Escape' | 'Up' | 'Down' | 'Left' | 'Right' | 'Tab' | 'C-c' | 'C-d' | 'BSpace';

export interface TerminateOptions {
  /** Keys (or text) that ask the program to quit on its own, sent first. */
  exitKeys?: Array<Key | { text: string }>;
  /** How long to wait after exit keys, and after SIGTERM, before escalating. */
  graceMs?: number;
  /** The session's pid as the caller verified it just now: signalled without being asked for again. */
  pid?: number;
}

export interface TerminateResult {
  /** Which step ended the session. */
  endedBy: 'exit-keys' | 'sigterm' | 'sigkill' | 'already-gone';
}

export interface SessionConnection {
  /**
   * Calls `listener` each time the session prints; a screen read after the
   * call sees what was printed. Returns the function that stops the calls.
   * Absent when the backend could not open its line (the probe then watches
   * the session log instead).
   */
  onOutput?(listener: () => void): () => void;
  /** Idempotent; resolves once the line's resources are released. */
  close(): Promise<void>;
}

export interface SessionBackend {
  readonly name: BackendName;
  start(spec: SessionSpec): Promise<SessionInfo>;
  /** Types text literally (no key-name interpretation); bracketed paste when `paste` is set. */
  sendText(name: string, text: string, opts?: { paste?: boolean }): Promise<void>;
  sendKeys(name: string, keys: Key[]): Promise<void>;
  /** The visible screen as plain text (no escape sequences), newest lines last. */
  readScreen(name: string): Promise<string>;
  isAlive(name: string): Promise<boolean>;
  pid(name: string): Promise<number | undefined>;
  /** Names of live sessions this backend knows of (tmux: on its socket). */
  list(): Promise<string[]>;
  /**
   * Graceful then firm: exit keys, SIGTERM to the process group, SIGKILL after
   * graceMs, then confirms the session is gone. Call only from subscriber/terminate-session.ts.
   */
  terminate(name: string, opts?: TerminateOptions): Promise<TerminateResult>;
  /**
   * Keeps a line to one session open while it is driven, so the readiness
   * probe hears of output as it comes and reads the screen at once. tmux: one
   * control-mode client attached to the session, through which `readScreen`
   * and `sendKeys` for it go until the connection is closed, instead of a tmux
   * process each. Optional, never required: without it, or once it has gone,
   * every call stands alone.
   */
  connect?(name: string): Promise<SessionConnection>;
  /**
   * Releases backend resources (pty fds, timers). Does not kill tmux sessions;
   * pty sessions belong to this process, so closing hangs them up (SIGKILL if they ignore it).
   */
  close(): Promise<void>;
}
