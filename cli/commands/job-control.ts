import { emitEvent } from '../../broker/emitter/emit-event.js';
import type { EmitResult } from '../../broker/emitter/emit-identity.js';
import { type Context, loadContext } from '../../core/context.js';
import { assertId, topics } from '../../core/topics.js';
import { operatorIdentity } from '../../subscriber/operator-identity.js';
import { parseDuration, parseFlags, usage } from '../args.js';
import { isQueued, queuedReport } from '../emit-outcome.js';
import type { Io } from '../io.js';
import { noSuchJob, openRegistryReadOnly } from '../open-registry.js';
import { operatorForJob } from '../operator-for-job.js';

function target(argv: string[], io: Io, what: string) {
  const { values, positionals } = parseFlags('job', argv, {
    reason: { type: 'string' },
    prompt: { type: 'string' },
    wait: { type: 'string' },
    json: { type: 'boolean' },
  });
  if (positionals.length !== 1) throw usage('job', `say which job: \`mam job ${what} <id>\``);
  const job = assertId(positionals[0], 'job id');
  const ctx = loadContext(io.cwd, io.env);
  const timeoutMs = values.wait ? parseDuration('job', values.wait) : ctx.cfg.emit.ackTimeoutMs;
  return { values, job, ctx, timeoutMs };
}

function report(
  io: Io,
  json: boolean | undefined,
  job: string,
  what: string,
  r: EmitResult,
  timeoutMs: number,
  jobDir: string,
): number {
  const queued = isQueued(r, true);
  if (json) io.out(JSON.stringify({ job, [what]: r.committed, queued, sent: r.unreachable === undefined }) + '\n');
  else if (queued) io.err(queuedReport('job', what, job, r, timeoutMs, jobDir));
  else io.out(`${job}: ${what} committed\n`);
  return queued ? 75 : 0;
}

/**
 * Stop = a signed operator job.cancelled on the job's own event topic: the same verified path as any
 * terminal event. `by` names who asked (the CLI's operator, or a dashboard login).
 */
export function sendStop(ctx: Context, job: string, reason: string, by: string, timeoutMs: number) {
  return emitEvent(
    operatorForJob(ctx, job),
    topics.events(ctx.cfg.namespace, job),
    'job.cancelled',
    { reason, by },
    { wait: true, timeoutMs },
  );
}

/** Resume = a signed control.resume to the job's host: a new session generation. */
export function sendResume(ctx: Context, job: string, host: string, prompt: string | undefined, timeoutMs: number) {
  return emitEvent(
    operatorIdentity(ctx, job, 0, host),
    topics.control(ctx.cfg.namespace, host),
    'control.resume',
    prompt ? { prompt } : {},
    { wait: true, timeoutMs },
  );
}

export async function stop(argv: string[], io: Io): Promise<number> {
  const { values, job, ctx, timeoutMs } = target(argv, io, 'stop');
  const r = await sendStop(ctx, job, values.reason ?? 'stopped by operator', `operator@${ctx.cfg.host}`, timeoutMs);
  return report(io, values.json, job, 'stop', r, timeoutMs, ctx.ws.jobDir(job));
}

export async function resume(argv: string[], io: Io): Promise<number> {
  const { values, job, ctx, timeoutMs } = target(argv, io, 'resume');
  const reg = openRegistryReadOnly(io);
  const row = reg.getJob(job);
  reg.close();
  if (!row) throw noSuchJob(job);
  const r = await sendResume(ctx, job, row.host, values.prompt, timeoutMs);
  return report(io, values.json, job, 'resume', r, timeoutMs, ctx.ws.jobDir(job));
}
