import { adapterFor } from '../agents/adapters/index.js';
import type { BackendName } from '../agents/session-backend.js';
import type { Context } from '../core/context.js';
import { type Logger } from '../core/logger.js';
import { missingArtifacts } from './check-artifacts.js';
import { type JobSpec } from './launch-session.js';
import { createDoneChecks } from './policies/done-checks.js';
import { createGateRunner } from './policies/gate-runner.js';
import type { ReconcilerCore } from './reconciler.js';
import type { JobRow } from './registry/registry.js';
import { createAfterCommit } from './after-commit.js';
import { createAgentDriver, createJobChains, promptLiveSession } from './agent-driver.js';
import { createLaunches } from './session-launches.js';
import { createDriftSweep } from './drift/sweep-drift.js';
import { createJobPolicies } from './policies/job-policies.js';
import { createEscalations } from './policies/escalations.js';
import { createScheduler } from './scheduler/scheduler.js';
import { createSessionBackends } from './session-backends.js';
import { followSessionLogs, type SessionLogs } from './session-logs.js';
import { isTerminal, type Transition } from './state-machine.js';
import { terminateSession } from './terminate-session.js';
import { createWorktreeSweeper } from './worktrees.js';
import { createScheduleClock } from './schedules/schedule-clock.js';
import { createRunDriver } from './workflows/run-driver.js';
import { createStepPlacer, handOnBranch, sendStepCancel, sendStepCreate } from './workflows/step-host.js';
import { scheduledRunStarter } from './workflows/scheduled-run.js';
import { briefForSend } from './workflows/brief-file.js';

/**
 * Sessions of this host: launches on create/resume, ends a session through
 * terminate-session.ts after a verified terminal event, and sweeps for drift
 * (vanished sessions → lost, unknown mam sessions → orphans, timeouts).
 */
export function createSessionManager(ctx: Context, log: Logger, env: NodeJS.ProcessEnv, rec: ReconcilerCore) {
  const host = ctx.cfg.host;
  const backends = createSessionBackends({ tmuxSocket: ctx.cfg.sessions.tmuxSocket, log });
  const { reg, publishState } = rec;
  const specOf = (row: JobRow) => JSON.parse(row.spec) as JobSpec;
  const logs: SessionLogs = followSessionLogs(ctx, log.child('logs'), rec);
  const sweepWorktrees = createWorktreeSweeper(ctx, log.child('worktrees'));
  // What needs a person: the policies raise it through escalations.escalate.
  const escalations = createEscalations({
    reg,
    host,
    ns: ctx.cfg.namespace,
    client: rec.client,
    keyring: rec.keyring,
    log: log.child('escalations'),
  });

  /** Applies a reconciler action (not an event) through the state table and publishes the new state. */
  async function act(job: string, input: Transition, reason: string): Promise<JobRow | undefined> {
    const row = reg.getJob(job);
    if (!row || !reg.transitionJob(row, input, reason)) return undefined;
    await publishState(job);
    await escalations.settle(job);
    return reg.getJob(job);
  }

  /** Ends the job's session after its terminal state was committed; then its policies decide what follows. */
  async function end(row: JobRow, reason: string) {
    await terminate(row, reason);
    if (row.state === 'done') await handOnBranch(ctx, row.id, specOf(row), log);
    await policies.settle(row.id, row.gen);
    // The removal policy decides (a job retrying has not ended); a session that refused to end keeps its worktree.
    await sweepWorktrees(reg, row.id);
  }

  async function terminate(row: JobRow, reason: string) {
    const session = reg.getSession(row.id, row.gen);
    if (!session || session.ended_at) return;
    const backend = await backends.get(session.backend as BackendName);
    const verdict = await terminateSession({
      reg: reg,
      backend,
      adapter: adapterFor(row.agent ?? 'command'),
      job: row.id,
      gen: row.gen,
      reason,
      graceMs: ctx.cfg.sessions.killGraceMs,
      log,
    });
    if (!verdict.terminated) log.warn('termination refused', { job: row.id, why: verdict.why });
    // Its slot is free once its session has ended: the queue need not wait for the state's PUBACK.
    void scheduler.kick();
    await publishState(row.id);
  }

  // Retries and circuit breakers: what follows a failure, and what the queue may launch.
  const policies = createJobPolicies({
    reg,
    host,
    cfg: ctx.cfg,
    log: log.child('policies'),
    publishState,
    kick: () => scheduler.kick(),
    busy: (job) => busy(job) || rec.settling(job),
    escalate: (e) => void escalations.escalate(e.job, e.kind, e.reason, e.command),
  });
  const scheduler = createScheduler({
    reg,
    host,
    cfg: ctx.cfg,
    log: log.child('scheduler'),
    publishState,
    breakerHolds: policies.breakerHolds,
    start: (job) => {
      policies.launching(job);
      void onJob(job, () => launch(job));
    },
  });

  const { launch, resume } = createLaunches({
    ctx,
    log,
    env,
    reg,
    backends,
    logs,
    publishState,
    drive: (job, gen, agent, l) => drive(job, gen, agent, l),
    settle: (job, gen) => policies.settle(job, gen),
  });

  const driver = createAgentDriver({
    backends,
    log,
    stuck: async (job, gen, reason) => reg.getJob(job)?.gen === gen && (await act(job, 'job.blocked', reason)),
  });
  const drive = driver.drive;
  const { onJob, busy } = createJobChains(log);

  // A gate's outcome and its escalation commit together; the escalation's signed message follows its state.
  const publishGated = async (job: string) => {
    await publishState(job);
    await escalations.announceJob(job);
  };
  const gates = createGateRunner({
    ctx,
    log: log.child('gates'),
    reg,
    host,
    env,
    backends,
    publishState: publishGated,
    end,
    resume,
    drive,
  });

  // Workflow runs of this host: their next steps are decided from committed states (docs/WORKFLOWS.md).
  const runs = createRunDriver({
    reg,
    host,
    cfg: ctx.cfg,
    log: log.child('runs'),
    publishState,
    kick: () => scheduler.kick(),
    announce: (job) => escalations.announceJob(job),
    resume: (job, gen, prompt) => onJob(job, () => reg.synced().then(() => resume(job, gen, prompt))),
    end: (job, gen, reason) =>
      onJob(job, async () => {
        const row = reg.getJob(job);
        if (row?.gen === gen && isTerminal(row.state)) await end(row, reason);
      }),
    prompt: (job, gen, prompt) => promptLiveSession(ctx, reg, drive, { job, gen, prompt }),
    place: createStepPlacer(ctx),
    send: (job, on, spec) => sendStepCreate(ctx, job, on, spec, () => briefForSend(ctx, reg, job)),
    ...(ctx.joined && { claim: (job: string, spec: JobSpec) => sendStepCreate(ctx, job, host, spec) }),
  });
  const clock = createScheduleClock({
    reg,
    host,
    log: log.child('schedules'),
    startRun: scheduledRunStarter(reg, host, ctx.ws.root),
  });

  // What follows each committed batch: launches, terminations, gates, the runs' next steps.
  const afterCommit = createAfterCommit({
    reg,
    host,
    log,
    scheduler,
    runs,
    escalations,
    gates,
    onJob,
    resume,
    end,
    cancelElsewhere: (job, why) => sendStepCancel(ctx, job, why, reg.getJob(job)?.host),
  });

  const driftSweep = createDriftSweep(
    {
      ctx,
      log,
      reg,
      host,
      backends,
      publishState,
      settling: (job) => rec.settling(job),
      busy: (job) => busy(job),
      onJob,
      end,
      launch,
      resume,
      runChecks: (job) => gates.run(job),
      // A lost session is a failure its policies decide on, like a failed one.
      act: async (job, input, reason) => {
        const row = await act(job, input, reason);
        if (row?.state === 'lost') await policies.settle(job, row.gen);
        return row;
      },
    },
    () => sweepWorktrees(reg),
  );
  // Aging and backoff deadlines move with the clock: the queue is looked at every sweep too.
  const sweep = async () => {
    await driftSweep();
    clock.tick();
    await runs.advance();
    await policies.sweep();
    await scheduler.kick();
    await escalations.sweep();
  };

  return {
    hooks: {
      afterCommit,
      sweep,
      checks: createDoneChecks(reg, ctx.cfg),
      missingArtifacts(row: JobRow): string[] {
        const expect = specOf(row).expect ?? [];
        if (!expect.length) return [];
        const s = reg.getSession(row.id, row.gen);
        return missingArtifacts(s?.workdir ?? row.workdir ?? ctx.ws.root, expect, s?.git_base ?? undefined);
      },
    },
    scheduler,
    /** Stops running quality gates before the reconciler closes: their checks run again at the next start. */
    stopGates: () => gates.close(),
    escalate: escalations.escalate,
    close: () => {
      policies.close();
      driver.abortAll();
      logs.close();
      return backends.close();
    },
  };
}
