import { join } from 'node:path';
import type { AdapterJob } from '../../agents/adapter.js';
import { adapterFor } from '../../agents/adapters/index.js';
import type { BackendName } from '../../agents/session-backend.js';
import type { Context } from '../../core/context.js';
import type { Logger } from '../../core/logger.js';
import type { JobSpec } from '../launch-session.js';
import type { CheckEnd, GateCheckRow } from '../registry/check-writes.js';
import type { JobRow, Registry, SessionRow } from '../registry/registry.js';
import type { SessionBackends } from '../session-backends.js';
import { programEnv } from '../session-env.js';
import type { Transition } from '../state-machine.js';
import { holdsForReview } from '../workflows/held-review.js';
import { decideApproval } from './approval-decision.js';
import { gateFeedback, gateOutcome } from './gate-feedback.js';
import { jobPolicy, type JobPolicy } from './job-policy.js';
import { GATE_MARKER_ENV, gateMarker, runGate, type GateRun } from './run-gate.js';

/** What the gate runner uses of the session manager. */
export interface GateRunnerDeps {
  ctx: Context;
  log: Logger;
  reg: Registry;
  host: string;
  /** the daemon's environment, from which a gate gets only what a program needs */
  env: NodeJS.ProcessEnv;
  backends: SessionBackends;
  publishState(job: string): Promise<void>;
  end(row: JobRow, reason: string): Promise<void>;
  /** Ends the previous generation's session (superseded) and launches `gen` with `prompt`. */
  resume(job: string, gen: number, prompt?: string): Promise<void>;
  /** Brings `prompt` to the live session through its adapter's confirmed submission, beside the job's actions. */
  drive(job: string, gen: number, agent: string, l: { name: string; backend: string; job: AdapterJob }): void;
}

/**
 * Runs a job's open check after the commit that moved it to testing, on the job's chain: the
 * gate (when it has one) in the session's workdir, then the approval decision. Pass → done, or
 * review for a person. Fail → the failure goes back to the agent as its next prompt while
 * attempts remain (its live session, or a new generation for an agent that cannot be prompted
 * again); the last attempt → failed. Every outcome is one transaction: the check's end, the
 * job's transition and any escalation together.
 */
export function createGateRunner(d: GateRunnerDeps) {
  const { reg, ctx } = d;
  const running = new Map<string, { ctl: AbortController; done: Promise<void> }>();
  let closing = false;

  /**
   * Ends the check and moves the job, if it still is in testing in the check's generation; else the check was
   * abandoned.
   */
  async function settle(
    check: GateCheckRow,
    input: Transition,
    reason: string,
    end: CheckEnd,
    more?: () => void,
    gen?: number,
  ): Promise<JobRow | undefined> {
    const moved = reg.transaction(() => {
      const row = reg.getJob(check.job);
      if (!row || row.state !== 'testing' || row.gen !== check.gen) {
        reg.finishCheck(check.job, check.n, { ...end, result: 'abandoned', decision: undefined, approval: undefined });
        return false;
      }
      reg.finishCheck(check.job, check.n, end);
      reg.setGateRuns(check.job, reg.gateRunsDone(check.job));
      more?.();
      return reg.transitionJob(row, input, reason, gen === undefined ? {} : { gen }) !== null;
    });
    if (!moved) return undefined;
    d.log.info('gate check settled', { job: check.job, check: check.n, input, reason });
    await d.publishState(check.job);
    return reg.getJob(check.job);
  }

  async function passed(
    row: JobRow,
    check: GateCheckRow,
    policy: JobPolicy,
    gate: GateRun | undefined,
    session: SessionRow | undefined,
  ) {
    const ran = gate ? `quality gate run ${check.n} passed` : 'no quality gate';
    if (holdsForReview(JSON.parse(row.spec) as JobSpec, ctx.cfg)) {
      // A run step held for its reviewer, its session live: the run's decision ends the hold (held-review.ts).
      const end: CheckEnd = { result: gate ? 'passed' : 'no-gate', exitCode: gate?.exitCode, approval: 'pending' };
      await settle(check, 'needs-approval', `${ran}; its review decides, its session kept for the findings`, end);
      return;
    }
    const cwd = session?.workdir ?? row.workdir ?? ctx.ws.root;
    const a = await decideApproval(policy.approval, {
      cwd,
      base: session?.git_base,
      highRisk: ctx.cfg.approvals.highRisk,
    });
    const end: CheckEnd = {
      result: gate ? 'passed' : 'no-gate',
      exitCode: gate?.exitCode,
      decision: a.decision,
      detail: a.detail,
      paths: a.paths,
    };
    if (a.decision === 'human') {
      const reason = `${ran}; waiting for approval (\`mam approve ${row.id}\`): ${a.detail}`;
      await settle(check, 'needs-approval', reason, { ...end, approval: 'pending' }, () => {
        reg.escalate({ job: row.id, host: d.host, kind: 'needs-approval', reason, command: `mam approve ${row.id}` });
      });
      return;
    }
    const reason = `${ran}; ${a.detail}`;
    const after = await settle(check, 'gate-passed', reason, end, () => reg.clearEscalations(row.id));
    if (after) await d.end(after, reason);
  }

  async function failed(
    row: JobRow,
    check: GateCheckRow,
    policy: JobPolicy,
    gate: GateRun,
    session: SessionRow | undefined,
  ) {
    const attempt = reg.gateFailuresInRound(row.id) + 1;
    const outcome = gateOutcome(gate, policy.gateTimeoutMs);
    const summary = `quality gate run ${check.n} failed (${outcome}; attempt ${attempt} of ${policy.gateAttempts})`;
    const end: CheckEnd = { result: 'failed', exitCode: gate.exitCode, timedOut: gate.timedOut, detail: outcome };
    if (attempt >= policy.gateAttempts) {
      const reason = `${summary}: no attempts left`;
      const after = await settle(check, 'gate-exhausted', reason, { ...end, result: 'exhausted' }, () => {
        reg.escalate({ job: row.id, host: d.host, kind: 'gate-failed', reason, command: `mam job resume ${row.id}` });
      });
      if (after) await d.end(after, reason);
      return;
    }
    const prompt = gateFeedback({
      command: check.command!,
      gate,
      timeoutMs: policy.gateTimeoutMs,
      attempt,
      attempts: policy.gateAttempts,
    });
    const agent = row.agent ?? 'command';
    if (session && (await drivable(agent, session))) {
      const after = await settle(check, 'gate-failed', `${summary}: sent back to the agent as its next prompt`, end);
      const job: AdapterJob = {
        id: row.id,
        gen: row.gen,
        workdir: session.workdir ?? ctx.ws.root,
        prompt,
        jobDir: ctx.ws.jobDir(row.id),
        env: {},
        config: ctx.cfg.agents[agent] ?? {},
      };
      if (after) d.drive(row.id, row.gen, agent, { name: session.name, backend: session.backend, job });
      return;
    }
    if (!session) {
      // An agent started elsewhere (launch: false): nothing here can prompt or relaunch it; its state says why.
      const log = join(ctx.ws.jobDir(row.id), `gate-${check.n}.log`);
      await settle(check, 'gate-failed', `${summary}: its output is in ${log}`, end);
      return;
    }
    const gen = row.gen + 1;
    const after = await settle(
      check,
      'gate-relaunch',
      `${summary}: relaunched with the failure as its prompt`,
      end,
      undefined,
      gen,
    );
    if (after) await d.resume(row.id, gen, prompt);
  }

  /** The session still runs and its adapter can bring it a new prompt. */
  async function drivable(agent: string, s: SessionRow): Promise<boolean> {
    if (!adapterFor(agent).drive || s.ended_at) return false;
    const backend = await d.backends.get(s.backend as BackendName).catch(() => undefined);
    return !!backend && (await backend.isAlive(s.name).catch(() => false));
  }

  async function check(job: string, ctl: AbortController): Promise<void> {
    const row = reg.getJob(job);
    const open = reg.latestCheck(job);
    if (!row || row.host !== d.host || !open || open.result !== null) return;
    // The job left testing (cancelled, timed out …) before its check could start.
    if (row.state !== 'testing' || open.gen !== row.gen)
      return void reg.finishCheck(job, open.n, { result: 'abandoned', detail: `the job is ${row.state}` });
    const policy = jobPolicy(JSON.parse(row.spec) as JobSpec, ctx.cfg);
    const session = reg.getSession(job, row.gen);
    let gate: GateRun | undefined;
    if (open.command !== null) {
      const env = {
        ...programEnv(d.env),
        MAM_JOB_ID: job,
        MAM_GATE_RUN: String(open.n),
        [GATE_MARKER_ENV]: gateMarker(ctx.cfg.namespace, job, open.n),
      };
      gate = await runGate({
        command: open.command,
        cwd: session?.workdir ?? row.workdir ?? ctx.ws.root,
        env,
        timeoutMs: policy.gateTimeoutMs,
        logFile: join(ctx.ws.jobDir(job), `gate-${open.n}.log`),
        graceMs: ctx.cfg.sessions.killGraceMs,
        signal: ctl.signal,
        onStart: (pid) => reg.startCheck(job, open.n, pid ?? null),
      });
      // Stopping: the check stays open and runs again at the next start. Left testing: abandoned.
      if (gate.aborted) {
        if (!closing) reg.finishCheck(job, open.n, { result: 'abandoned', detail: String(ctl.signal.reason) });
        return;
      }
      if (gate.timedOut || gate.exitCode !== 0) return failed(row, open, policy, gate, session);
    }
    await passed(row, open, policy, gate, session);
  }

  return {
    /** Runs the job's open check, if it is in testing with one; call it on the job's chain. */
    run(job: string): Promise<void> {
      if (closing || running.has(job)) return running.get(job)?.done ?? Promise.resolve();
      const ctl = new AbortController();
      const done = check(job, ctl).finally(() => running.delete(job));
      running.set(job, { ctl, done });
      return done;
    },
    running: (job: string) => running.has(job),
    /** The job left testing: a gate still running for it says nothing any more. */
    abandon(job: string): void {
      running.get(job)?.ctl.abort('the job left testing');
    },
    /** Stops every gate (their checks stay open, run again at the next start) and waits for them. */
    async close(): Promise<void> {
      closing = true;
      for (const r of running.values()) r.ctl.abort('the reconciler is stopping');
      await Promise.allSettled([...running.values()].map((r) => r.done));
    },
  };
}

export type GateRunner = ReturnType<typeof createGateRunner>;
