import { join } from 'node:path';
import type { AdapterJob } from '../agents/adapter.js';
import { adapterFor } from '../agents/adapters/index.js';
import type { BackendPreference } from '../agents/choose-backend.js';
import { sessionName } from '../agents/session-name.js';
import type { Context } from '../core/context.js';
import { gitHead } from './check-artifacts.js';
import type { Registry } from './registry/registry.js';
import type { SessionBackends } from './session-backends.js';
import { sessionEnv } from './session-env.js';
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
}

export interface Launched {
  name: string;
  backend: string;
  pid: number;
  reason: string;
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
  const tree = await prepareWorktree(ctx, jobId, spec.workdir ?? ctx.ws.root, spec.worktree);
  const workdir = tree?.cwd ?? spec.workdir ?? ctx.ws.root;
  const jobDir = ctx.ws.jobDir(jobId);
  // The newest agent session id of an earlier generation: one that died before reporting its own must not lose the conversation.
  let agentSessionId: string | undefined;
  for (let g = gen - 1; g >= 1 && !agentSessionId; g--) agentSessionId = reg.getSession(jobId, g)?.agent_session_id ?? undefined;
  const job: AdapterJob = {
    id: jobId,
    gen,
    workdir,
    prompt: opts.prompt ?? spec.prompt,
    command: spec.command,
    agentSessionId,
    jobDir,
    env: sessionEnv(ctx, jobId, gen, opts.env),
    config: ctx.cfg.agents[spec.agent] ?? {},
  };
  const launch = adapter.launch(job);
  const { backend, reason } = await opts.backends.choose(spec.backend ?? ctx.cfg.sessions.backend);
  const name = sessionName({ agent: spec.agent, workdir, job: `${jobId}#${gen}` });
  const base = tree?.base ?? gitHead(workdir);
  const info = await backend.start({
    name,
    cwd: workdir,
    command: launch.command,
    args: launch.args,
    env: { ...job.env, ...launch.env },
    logFile: join(jobDir, 'session.log'),
  });
  reg.recordSession({ job: jobId, gen, host: ctx.cfg.host, backend: backend.name, name, pid: info.pid, workdir, git_base: base ?? null });
  return { name, backend: backend.name, pid: info.pid, reason, job };
}
