/** What a command may touch of its process: passed in, so tests can run commands in-process too. */
export interface Io {
  cwd: string;
  env: NodeJS.ProcessEnv;
  out: (text: string) => void;
  err: (text: string) => void;
  debug: boolean;
  /** aborted on SIGINT/SIGTERM: long-running commands close and return */
  signal: AbortSignal;
}

export type CommandRun = (argv: string[], io: Io) => Promise<number | void>;
