import type { AdapterJob, AdapterLaunch } from '../adapter.js';

export interface CliLaunchParts {
  /** the binary when the workspace does not name one (agents.<name>.bin) */
  bin: string;
  /** before the workspace's args: subcommands and options that must lead */
  lead?: string[];
  /** after the workspace's args */
  tail?: string[];
  /** mam's own variables; they win over the workspace's agents.<name>.env */
  env?: Record<string, string>;
}

/** An agent CLI's command line: the workspace's bin, args and env around the adapter's own parts. */
export function cliLaunch(job: AdapterJob, parts: CliLaunchParts): AdapterLaunch {
  return {
    command: job.config.bin ?? parts.bin,
    args: [...(parts.lead ?? []), ...(job.config.args ?? []), ...(parts.tail ?? [])],
    env: { ...job.config.env, ...parts.env },
  };
}
