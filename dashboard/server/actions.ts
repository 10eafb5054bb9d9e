import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { emitEvent } from '../../broker/emitter/emit-event.js';
import { sendResume, sendStop } from '../../cli/commands/job-control.js';
import { verdictBody } from '../../cli/commands/verdict.js';
import { sendOperatorCommand } from '../../cli/operator-command.js';
import type { Context } from '../../core/context.js';
import { MamError } from '../../core/errors.js';
import { assertId, topics } from '../../core/topics.js';
import { operatorForJob } from '../../cli/operator-for-job.js';
import type { Registry } from '../../subscriber/registry/registry.js';
import type { DashboardSession } from './logins.js';

export const JOB_ACTIONS = ['stop', 'resume', 'retry', 'approve', 'verdict'] as const;
export type JobAction = (typeof JOB_ACTIONS)[number];

const AGENT = /^[a-z][a-z0-9_-]{0,31}$/;
// Retry is a resume of a job that ended without success: a new session generation.
const RETRYABLE = new Set(['failed', 'lost', 'timeout', 'cancelled']);

const text = (v: unknown, max: number): string | undefined =>
  typeof v === 'string' && v.trim() ? v.replace(/[\u0000-\u001f\u007f]+/g, ' ').slice(0, max) : undefined;

/**
 * An operator's action from the page: the same signed event the CLI sends (stop: job.cancelled;
 * resume and retry: control.resume; approve and verdict: review.verdict; breaker reset:
 * breaker.reset), each naming the dashboard login that asked, and a line in the dashboard's own
 * action log (0600) with who, what, and the event's seq.
 */
export function createActions(ctx: Context, reg: () => Registry) {
  const timeoutMs = ctx.cfg.emit.ackTimeoutMs;
  const logFile = join(ctx.ws.dir, 'dashboard', 'actions.log');
  const record = (who: DashboardSession, action: string, target: string, out: object) => {
    mkdirSync(join(ctx.ws.dir, 'dashboard'), { recursive: true, mode: 0o700 });
    const line = { at: new Date().toISOString(), by: who.name, role: who.role, action, target, ...out };
    appendFileSync(logFile, `${JSON.stringify(line)}\n`, { mode: 0o600 });
  };
  const by = (who: DashboardSession) => `dashboard:${who.name}`;

  async function onJob(who: DashboardSession, action: JobAction, jobId: string, body: Record<string, unknown>) {
    const job = assertId(jobId, 'job id');
    const row = reg().getJob(job);
    if (!row) throw new MamError('UNKNOWN_JOB', `no job ${job} in this host's registry`);
    const reason = text(body.reason, 1024);
    let r: { seq: number; committed: boolean; unreachable?: string };
    if (action === 'stop') {
      r = await sendStop(ctx, job, reason ?? `stopped from the dashboard by ${who.name}`, by(who), timeoutMs);
    } else if (action === 'resume' || action === 'retry') {
      if (action === 'retry' && !RETRYABLE.has(row.state))
        throw new MamError(
          'ILLEGAL_TRANSITION',
          `job ${job} is ${row.state}: only a failed, lost, timed-out or cancelled job is retried`,
        );
      r = await sendResume(ctx, job, row.host, text(body.prompt, 16_384), timeoutMs);
    } else {
      const verdict = action === 'approve' ? 'PASS' : body.verdict;
      if (verdict !== 'PASS' && verdict !== 'NOT_PASS') throw new MamError('USAGE', 'a verdict is PASS or NOT_PASS');
      if (row.state !== 'review')
        throw new MamError('NOT_IN_REVIEW', `job ${job} is ${row.state}: nothing waits for a verdict`);
      const findings = Array.isArray(body.findings)
        ? body.findings.map((f) => text(f, 4096)).filter((f) => f !== undefined)
        : [];
      const v = verdictBody(verdict, findings as string[], [], by(who));
      r = await emitEvent(operatorForJob(ctx, job), topics.verdicts(ctx.cfg.namespace, job), 'review.verdict', v, {
        wait: true,
        timeoutMs,
      });
    }
    const out = { seq: r.seq, committed: r.committed, ...(r.unreachable ? { unreachable: r.unreachable } : {}) };
    record(who, action, job, out);
    return out;
  }

  async function resetBreaker(who: DashboardSession, hostName: string, agent: string) {
    const host = assertId(hostName, 'host name');
    if (!AGENT.test(agent)) throw new MamError('USAGE', `"${agent}" is not an agent name`);
    const body = { agent, reason: `reset from the dashboard by ${who.name}` };
    const seq = await sendOperatorCommand(ctx, host, `breaker-${agent}`, 'breaker.reset', body, timeoutMs);
    record(who, 'breaker-reset', `${host}/${agent}`, { seq });
    return { seq, sent: true };
  }

  return { onJob, resetBreaker };
}
