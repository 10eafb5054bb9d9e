/** A workflow file as schemas/workflow.schema.json describes it (docs/WORKFLOWS.md). */
export interface ParamSpec {
  name: string;
  type?: 'string' | 'number' | 'boolean' | 'list';
  required?: boolean;
  default?: string | number | boolean | string[];
  description?: string;
}

export interface StepSpec {
  id: string;
  agent: string;
  prompt?: string;
  command?: string[];
  workdir?: string;
  worktree?: boolean;
  backend?: 'auto' | 'tmux' | 'pty';
  needs?: string[];
  needs_any?: string[];
  host?: string;
  labels?: string[];
  expect?: string[];
  gate?: string;
  retries?: number;
  timeout?: string;
  priority?: number;
  approval?: 'auto' | 'human' | 'risk';
  foreach?: string;
  review?: { agent: string; prompt?: string; command?: string[]; maxRounds?: number; followups?: 'create' | 'list' };
  on_blocked?: 'wait' | 'spawn';
}

export interface Workflow {
  name?: string;
  description?: string;
  /** the git remote the run's hosts hand branches on through (docs/WORKFLOWS.md, Handoffs across hosts) */
  remote?: string;
  params?: ParamSpec[];
  steps: StepSpec[];
}

/** A run's params once resolved: lists as arrays, the rest as the strings they were given as. */
export type ParamValues = Record<string, string | string[]>;
