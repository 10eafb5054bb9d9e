import type { AdapterJob } from '../agents/adapter.js';
import { adapterFor } from '../agents/adapters/index.js';
import type { BackendPreference } from '../agents/choose-backend.js';
import { sessionLogFile } from '../agents/log-files.js';
import { sessionName } from '../agents/session-name.js';
import { resolveIsolation } from '../agents/sandbox/isolation.js';
import { sessionSandbox } from '../agents/sandbox/session-sandbox.js';
import type { Context } from '../core/context.js';
import { packageRoot } from '../core/package-root.js';
import { gitHead } from './check-artifacts.js';
import type { Registry } from './registry/registry.js';
import type { SessionBackends } from './session-backends.js';
import { sessionEnv, writePromptFile } from './session-env.js';
import { briefAtLaunch } from './workflows/brief-file.js';
import { prepareWorktree } from './worktrees.js';

export interface JobSpec {
  agent: string;
  workdir?: string;
  prompt?: string;
  command?: string[];
  expect?: string[];
  timeoutMs?: number;
  worktree?: boolean;
  backend?: BackendPreference;
  /** where a run step's prompt takes its brief: `{{brief:<mark>}}` (subscriber/workflows/brief-file.ts) */
  briefMark?: string;
  /** job policies (subscriber/policies/job-policy.ts resolves them with the config's defaults) */
  priority?: number;
  after?: string[];
  afterAny?: boolean;
  gate?: string;
  gateAttempts?: number;
  gateTimeoutMs?: number;
  retries?: number;
  backoffMinMs?: number;
  backoffMaxMs?: number;
  approval?: 'auto' | 'human' | 'risk';
  /** a workflow step's predecessors' branches: its worktree starts from the first, the others merged in order */
  from?: string[];
  /** the git remote `from` branches missing here are fetched from; the job's branch is pushed there when done */
  remote?: string;
  /** a run step with a review whose agent can be prompted again: its done waits for the review in its live session */
  reviewHold?: boolean;
}

export interface Launched {
  name: string;
  backend: string;
  pid: number;
  reason: string;
  /** "bwrap" or "none", and why */
  isolation: string;
  job: AdapterJob;
}

/** Starts generation `gen` of a job in a fresh session and records it (name, backend, pid) in the registry. */
export async function launchSession(opts: {
  ctx: Context;
  reg: Registry;
  backends: SessionBackends;
  jobId: string;
  gen: number;
  spec: JobSpec;
  prompt?: string;
  env: NodeJS.ProcessEnv;
}): Promise<Launched> {
  const { ctx, reg, spec, jobId, gen } = opts;
  const adapter = adapterFor(spec.agent);
  // The job's own git worktree when it gets one: the session, its artifacts and git:commit live there.
  const tree = await prepareWorktree(ctx, jobId, spec.workdir ?? ctx.ws.root, spec.worktree, spec.from, spec.remote);
  const workdir = tree?.cwd ?? spec.workdir ?? ctx.ws.root;
  const jobDir = ctx.ws.jobDir(jobId);
  // The newest agent session id of an earlier generation: one that died before reporting its own must not lose the
  // conversation.
  let agentSessionId: string | undefined;
  for (let g = gen - 1; g >= 1 && !agentSessionId; g--)
    agentSessionId = reg.getSession(jobId, g)?.agent_session_id ?? undefined;
  const env = sessionEnv(ctx, jobId, gen, opts.env);
  const brief = briefAtLaunch(ctx, reg, jobId, opts.prompt ?? spec.prompt, spec);
  const prompt = brief.prompt;
  if (brief.file) env.MAM_BRIEF_FILE = brief.file;
  // Any size: a file, where an argument or a tmux command would stop at a few KiB.
  if (prompt !== undefined) env.MAM_PROMPT_FILE = writePromptFile(jobDir, prompt);
  const job: AdapterJob = {
    id: jobId,
    gen,
    workdir,
    prompt,
    command: spec.command,
    agentSessionId,
    jobDir,
    env,
    config: ctx.cfg.agents[spec.agent] ?? {},
  };
  const launch = adapter.launch(job);
  const { backend, reason } = await opts.backends.choose(spec.backend ?? ctx.cfg.sessions.backend);
  const name = sessionName({ agent: spec.agent, workdir, job: `${jobId}#${gen}` });
  const base = tree?.base ?? (await gitHead(workdir));
  const isolation = await resolveIsolation(ctx.cfg.sessions.isolation);
  const wrapper = await sessionSandbox({
    isolation,
    workspaceDir: ctx.ws.dir,
    jobDir,
    cwd: workdir,
    caFile: job.env.MAM_BROKER_CA!,
    packageRoot: packageRoot(),
    binds: job.config.binds ?? [],
    env: opts.env,
  });
  const info = await backend.start({
    name,
    cwd: workdir,
    command: launch.command,
    args: launch.args,
    wrapper,
    env: { ...job.env, ...launch.env },
    logFile: sessionLogFile(jobDir),
  });
  reg.recordSession({
    job: jobId,
    gen,
    host: ctx.cfg.host,
    backend: backend.name,
    name,
    pid: info.pid,
    workdir,
    git_base: base ?? null,
  });
  return {
    name,
    backend: backend.name,
    pid: info.pid,
    reason,
    isolation: `${isolation.mode}: ${isolation.reason}`,
    job,
  };
}
