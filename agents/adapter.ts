import type { AgentConfig } from '../core/config.js';
import type { Key, SessionBackend, SessionConnection } from './session-backend.js';

/** What an adapter knows of the job it starts. */
export interface AdapterJob {
  id: string;
  gen: number;
  /** where the agent works (the job's worktree when it has one) */
  workdir: string;
  prompt?: string;
  /** the program of the generic `command` agent */
  command?: string[];
  /** the agent CLI's own session id, learned from an earlier generation (resume) */
  agentSessionId?: string;
  jobDir: string;
  /** the session environment (MAM_* included); adapters may add to it */
  env: Record<string, string>;
  config: AgentConfig;
}

export interface AdapterLaunch {
  command: string;
  args: string[];
  env: Record<string, string>;
}

/** A live session an adapter drives after launch. */
export interface AdapterSession {
  backend: SessionBackend;
  name: string;
  signal: AbortSignal;
  /** The backend's line to the session while the drive holds one (see SessionBackend.connect). */
  connection?: SessionConnection;
}

/**
 * One agent CLI: how to start and resume it, and how to bring it from launch
 * to "prompt submitted". Adapters are mostly data plus small functions; the
 * session manager does the rest.
 */
export interface Adapter {
  name: string;
  launch(job: AdapterJob): AdapterLaunch;
  /** Readiness, dialogs and prompt submission; throws a MamError (NOT_READY / SUBMIT_FAILED) on failure. */
  drive?(session: AdapterSession, job: AdapterJob): Promise<void>;
  /** Keys that ask the agent to quit on its own, tried before signals. */
  exitKeys?: Array<Key | { text: string }>;
}
