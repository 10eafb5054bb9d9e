/** The test host harness's options and the host it hands back. */
import type { MeshClient } from '../../../broker/client.js';
import type { Context } from '../../../core/context.js';
import type { HostDaemon } from '../../../subscriber/host-daemon.js';
import type { JobRow, RejectionRow, Registry, SessionRow } from '../../../subscriber/registry/registry.js';
import type { runMam, TestWorkspace } from '../workspace.js';

export interface HostOptions {
  /** the workspace's namespace (default 'sess') */
  namespace?: string;
  /** between drift sweeps (default 300 ms) */
  sweepIntervalMs?: number;
  /** between SIGTERM and SIGKILL when a session ends (default 500 ms) */
  killGraceMs?: number;
  /** config sections merged over the harness's own (private tmux socket, short kill grace, sweep interval) */
  config?: Record<string, unknown>;
  /** the agents section, made for the workspace (fake or real CLIs under its root) */
  agents?: (tw: TestWorkspace) => Record<string, unknown>;
  /**
   * Jobs run in git repositories: each agent script is kept outside its workdir, under
   * <root>/agents (shown read-only in the sandbox), so a worktree starts clean.
   */
  repos?: boolean;
  /** added to the environment the daemon's sessions start with */
  env?: NodeJS.ProcessEnv;
  /**
   * Another broker engine started for the workspace instead of the embedded one: it returns the
   * broker config section that points at it (url, agentLogin …) and how to stop it.
   */
  externalBroker?: (tw: TestWorkspace) => Promise<{ config: Record<string, unknown>; stop(): Promise<void> }>;
}

export interface JobOptions {
  id?: string;
  /** the agent's sh script (default DONE_AGENT), kept in the workdir or, with `repos`, under <root>/agents */
  script?: string;
  /** where the job runs (a repository, say); by default a fresh folder holding the script */
  workdir?: string;
  expect?: string[];
  backend?: 'tmux' | 'pty';
  timeoutMs?: number;
  /** the job's prompt (the command agent finds it in MAM_PROMPT_FILE and MAM_PROMPT) */
  prompt?: string;
  /** false: the job runs in its workdir itself, never in a worktree of it */
  worktree?: boolean;
  /** through a `mam job create` process instead of in-process (same signed control.create) */
  cli?: boolean;
  /** more fields of the control.create body (job policies: priority, after, gate …) */
  spec?: Record<string, unknown>;
}

export interface TestHost {
  tw: TestWorkspace;
  ctx: Context;
  /** the private tmux socket (`tmux -L <socket>`) */
  socket: string;
  daemon: HostDaemon;
  /** the daemon's log lines, newest last */
  lines: string[];
  /** the last of them (for failure messages) */
  logs(): string;
  /** Runs tmux on the host's private socket. */
  tmux(...args: string[]): Promise<{ ok: boolean; stdout: string }>;
  /** Writes the agent script and creates the job in-process, as `mam job create` does. */
  createJob(o?: JobOptions): Promise<{ id: string; workdir: string }>;
  workdirOf(id: string): string;
  /** Read-only look into the registry, as the CLI reads it. */
  read<T>(fn: (reg: Registry) => T): T;
  job(id: string): JobRow | undefined;
  /** The session of the job's current generation (or of `gen`). */
  session(id: string, gen?: number): SessionRow | undefined;
  /** Refusals recorded for the job, or on its events topic, oldest first. */
  rejections(id: string): RejectionRow[];
  /** tmux: has-session on the private socket; pty: the program's process still runs. */
  sessionAlive(s: SessionRow): Promise<boolean>;
  waitJob(id: string, ok: (j: JobRow) => boolean, what: string, ms?: number): Promise<JobRow>;
  /** Waits until the session of the job's current generation exists (launched and recorded). */
  waitSession(id: string, ms?: number): Promise<SessionRow>;
  /** An operator client on the broker, for publishing hand-made messages. */
  operator(): Promise<MeshClient>;
  /** `mam` as its own process in the host's workspace (the CLI path of job create/stop/resume, ps). */
  mam(args: string[], env?: NodeJS.ProcessEnv): ReturnType<typeof runMam>;
  /**
   * Waits until `n` more drift sweeps have run to their end: what a sweep would (wrongly) do has
   * been done by then, however slowly a loaded machine schedules them.
   */
  sweeps(n: number): Promise<void>;
  /** Stops the daemon (tmux sessions live on, as after a crash) and starts a fresh one. */
  restartDaemon(between?: () => void | Promise<void>): Promise<void>;
  close(): Promise<void>;
}
