import { basename, extname, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { loadContext, type Context } from '../../core/context.js';
import { MamError } from '../../core/errors.js';
import { assertId } from '../../core/topics.js';
import { HelpRequested, parseDuration, parseFlags, usage } from '../args.js';
import type { Io } from '../io.js';
import { readRegistryIfAny } from '../open-registry.js';
import { awaitCommand, sendOperatorCommand } from '../operator-command.js';
import { readWorkflow } from '../read-workflow.js';
import { showRun } from '../run-show.js';
import { checkStepHosts } from '../step-hosts.js';

/** Sends a run command to this host's reconciler and waits until it is committed (applied or refused). */
export async function sendRunCommand(
  io: Io,
  ctx: Context,
  id: string,
  type: string,
  body: object,
  wait?: string,
): Promise<boolean> {
  const timeoutMs = wait ? parseDuration('run', wait) : ctx.cfg.emit.ackTimeoutMs;
  const seq = await sendOperatorCommand(ctx, ctx.cfg.host, `run-${id}`, type, body, timeoutMs);
  const v = await awaitCommand(ctx, `run-${id}`, seq, timeoutMs);
  if (v?.applied) return true;
  if (v) throw new MamError('REFUSED', `the reconciler refused ${type} of ${id} (${v.refusal ?? 'refused'})`);
  io.err(
    `mam run: ${type} of ${id} published but not committed within ${timeoutMs} ms\n  hint: is the reconciler running? \`mam up\` starts it. The broker keeps the command for it.\n`,
  );
  return false;
}

function validate(argv: string[], io: Io): number {
  const { values, positionals } = parseFlags('run', argv, {
    param: { type: 'string', multiple: true },
    json: { type: 'boolean' },
  });
  if (positionals.length !== 1) throw usage('run', 'say which file: `mam run validate <workflow file>`');
  const { file, workflow, values: params } = readWorkflow('run', io.cwd, positionals[0]!, values.param ?? []);
  // What a run launches at least once: a job per step, a job per item of a foreach step.
  const jobs = workflow.steps.reduce((n, s) => {
    const items = s.foreach === undefined ? undefined : params[s.foreach];
    return n + (Array.isArray(items) ? items.length : 1);
  }, 0);
  const n = workflow.steps.length;
  if (values.json) io.out(`${JSON.stringify({ file, valid: true, steps: n, jobs, params })}\n`);
  else
    io.out(`${file}: valid, ${n} step${n === 1 ? '' : 's'}, ${jobs} job${jobs === 1 ? '' : 's'} with these params\n`);
  return 0;
}

async function start(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseFlags('run', argv, {
    param: { type: 'string', multiple: true },
    id: { type: 'string' },
    workdir: { type: 'string' },
    wait: { type: 'string' },
    json: { type: 'boolean' },
  });
  if (positionals.length !== 1) throw usage('run', 'say which workflow: `mam run <workflow file> [--param k=v]...`');
  const wf = readWorkflow('run', io.cwd, positionals[0]!, values.param ?? []);
  const stem = (wf.workflow.name ?? basename(wf.file, extname(wf.file))).replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 15);
  const id = assertId(
    values.id ?? `${stem.replace(/^[^A-Za-z0-9]+/, '') || 'run'}-${randomBytes(4).toString('hex')}`,
    'run id',
  );
  if (id.length > 24)
    throw usage('run', `--id is at most 24 characters (it begins every step's job id), got ${id.length}`);
  const ctx = loadContext(io.cwd, io.env);
  await checkStepHosts(ctx, io, wf.file, wf.workflow);
  const workdir = values.workdir ? resolve(io.cwd, values.workdir) : io.cwd;
  const body = {
    id,
    file: wf.file,
    workflow: wf.text,
    workdir,
    ...(Object.keys(wf.given).length ? { params: wf.given } : {}),
  };
  if (!(await sendRunCommand(io, ctx, id, 'run.start', body, values.wait))) return 75;
  io.out(values.json ? `${JSON.stringify({ id })}\n` : `${id}\n`);
  return 0;
}

async function stopOrResume(what: 'stop' | 'resume', argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseFlags('run', argv, { wait: { type: 'string' } });
  if (positionals.length !== 1) throw usage('run', `say which run: \`mam run ${what} <run id>\``);
  const id = assertId(positionals[0]!, 'run id');
  const ctx = loadContext(io.cwd, io.env);
  if (!readRegistryIfAny(ctx, undefined, (reg) => reg.getRun(id)))
    throw new MamError('UNKNOWN_RUN', `no run "${id}" on this host`, { hint: '`mam runs` lists the runs' });
  if (!(await sendRunCommand(io, ctx, id, `run.${what}`, { id }, values.wait))) return 75;
  io.out(
    `run ${id} ${what === 'stop' ? 'stopped: its unfinished steps are cancelled, their sessions ended' : 'resumed'}\n`,
  );
  return 0;
}

export async function run(argv: string[], io: Io): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === '--help' || sub === '-h' || sub === undefined) throw new HelpRequested();
  if (sub === 'validate') return validate(rest, io);
  if (sub === 'show') return showRun(rest, io);
  if (sub === 'stop' || sub === 'resume') return stopOrResume(sub, rest, io);
  return start(argv, io);
}
