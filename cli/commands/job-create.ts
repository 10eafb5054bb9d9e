import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { emitEvent } from '../../broker/emitter/emit-event.js';
import { loadContext } from '../../core/context.js';
import { assertId, ID_PATTERN, topics } from '../../core/topics.js';
import { placeJob } from '../placement.js';
import { operatorIdentity } from '../../subscriber/operator-identity.js';
import { parseDuration, parseFlags, usage } from '../args.js';
import { awaitLaunch } from '../await-launch.js';
import { checkJobSpec } from '../check-job-spec.js';
import { queuedReport } from '../emit-outcome.js';
import type { Io } from '../io.js';
import { checkDependencies, POLICY_FLAGS, policyFields } from '../policy-flags.js';

export function newJobId(): string {
  return `j${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
}

function promptText(value: string | undefined, cwd: string): string | undefined {
  if (value === undefined || !value.startsWith('@')) return value;
  try {
    return readFileSync(resolve(cwd, value.slice(1)), 'utf8');
  } catch (err) {
    throw usage('job create', `cannot read the prompt file ${value.slice(1)}: ${(err as Error).message}`);
  }
}

export async function run(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseFlags('job', argv, {
    agent: { type: 'string' },
    workdir: { type: 'string' },
    prompt: { type: 'string' },
    expect: { type: 'string', multiple: true },
    host: { type: 'string' },
    labels: { type: 'string' },
    'queue-offline': { type: 'boolean' },
    timeout: { type: 'string' },
    id: { type: 'string' },
    backend: { type: 'string' },
    worktree: { type: 'boolean' },
    'no-worktree': { type: 'boolean' },
    'no-launch': { type: 'boolean' },
    wait: { type: 'string' },
    'no-wait': { type: 'boolean' },
    json: { type: 'boolean' },
    ...POLICY_FLAGS,
  });
  if (!values.agent || !/^[a-z][a-z0-9_-]{0,31}$/.test(values.agent)) {
    throw usage('job', '--agent <name> is required (command, claude, gemini, codex, hermes)');
  }
  if (values.backend && !['auto', 'tmux', 'pty'].includes(values.backend))
    throw usage('job', '--backend is auto, tmux or pty');
  const ctx = loadContext(io.cwd, io.env);
  const job = values.id ? assertId(values.id, 'job id') : newJobId();
  if (values.host !== undefined && values.host !== 'auto' && !ID_PATTERN.test(values.host))
    throw usage('job', `invalid --host "${values.host}"`);
  const host = await placeJob(ctx, io, {
    host: values.host,
    labels: values.labels,
    queueOffline: values['queue-offline'],
  });
  const body: Record<string, unknown> = {
    agent: values.agent,
    workdir: resolve(io.cwd, values.workdir ?? '.'),
    launch: !values['no-launch'],
  };
  const prompt = promptText(values.prompt, io.cwd);
  if (prompt !== undefined) body.prompt = prompt;
  // Everything after `--` is the program the `command` agent runs.
  if (positionals.length) body.command = positionals;
  if (values.expect?.length) body.expect = values.expect;
  if (values.timeout) body.timeoutMs = parseDuration('job', values.timeout);
  if (values.backend) body.backend = values.backend;
  if (values.worktree || values['no-worktree']) body.worktree = !values['no-worktree'];
  Object.assign(body, policyFields(values));
  checkDependencies(ctx, job, (body.after as string[] | undefined) ?? []);
  await checkJobSpec(
    {
      agent: values.agent,
      workdir: body.workdir as string,
      command: positionals,
      worktree: body.worktree as boolean | undefined,
      local: host === ctx.cfg.host,
      launch: body.launch !== false,
    },
    ctx.cfg,
  );
  const timeoutMs = values.wait ? parseDuration('job', values.wait) : ctx.cfg.emit.ackTimeoutMs;
  const r = await emitEvent(
    operatorIdentity(ctx, job, 0, host),
    topics.control(ctx.cfg.namespace, host),
    'control.create',
    body,
    { wait: true, timeoutMs },
  );
  if (!r.committed) {
    if (values.json)
      io.out(
        JSON.stringify({
          job,
          host,
          created: false,
          queued: true,
          sent: r.unreachable === undefined,
          launched: false,
        }) + '\n',
      );
    else if (r.unreachable !== undefined)
      io.err(queuedReport('job', `create of ${job} for host ${host}`, job, r, timeoutMs, ctx.ws.jobDir(job)));
    else
      io.err(
        `mam job create: ${job} sent to host ${host} but not acknowledged in time; kept in the outbox\n  hint: is that host's reconciler running? (\`mam up\` on ${host})\n`,
      );
    return 75;
  }
  // By default the job counts as created once its session runs: a script must not carry on with a dead job.
  const waitLaunch = body.launch !== false && !values['no-wait'];
  let session: string | undefined;
  let waiting: string | undefined;
  try {
    const l = waitLaunch
      ? await awaitLaunch(ctx, job, values.wait ? timeoutMs : Math.max(LAUNCH_WAIT_MS, timeoutMs), host)
      : undefined;
    session = l?.session;
    waiting = l?.waiting;
  } catch (err) {
    // The job exists all the same: its id is printed for the caller to inspect or resume it.
    const code = (err as { code?: string }).code ?? 'MAM_ERR_INTERNAL';
    io.out(
      values.json
        ? JSON.stringify({ job, host, created: true, queued: false, sent: true, launched: false, error: code }) + '\n'
        : `${job}\n`,
    );
    throw err;
  }
  if (values.json)
    io.out(
      JSON.stringify({
        job,
        host,
        created: true,
        queued: false,
        sent: true,
        launched: session !== undefined,
        session: session ?? null,
        waiting: waiting ?? null,
      }) + '\n',
    );
  else {
    io.out(`${job}\n`);
    // Created and queued by the scheduler: not an error, but a script should know it has not started.
    if (waiting) io.err(`mam job create: ${job} is queued: ${waiting}\n`);
  }
  return 0;
}

/** How long a create waits for its launch by default: an agent CLI can take a while to start. */
const LAUNCH_WAIT_MS = 30_000;
