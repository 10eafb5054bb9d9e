import { readFileSync } from 'node:fs';
import { basename, extname, resolve } from 'node:path';
import { loadContext, type Context } from '../../core/context.js';
import { nextFiring, parseCron } from '../../core/cron.js';
import { MamError } from '../../core/errors.js';
import { assertId } from '../../core/topics.js';
import type { ScheduleRow } from '../../subscriber/registry/schedule-writes.js';
import { HelpRequested, parseDuration, parseFlags, usage } from '../args.js';
import type { Io } from '../io.js';
import { readRegistryIfAny } from '../open-registry.js';
import { awaitCommand, sendOperatorCommand } from '../operator-command.js';
import { parseParams } from '../run-params.js';

const when = (ms: number | null) => (ms === null ? '-' : new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z'));

/** Sends the command and waits for this host's registry to commit it; another host's is only sent. */
async function send(io: Io, ctx: Context, host: string, id: string, type: string, body: object, wait?: string) {
  const timeoutMs = wait ? parseDuration('schedule', wait) : ctx.cfg.emit.ackTimeoutMs;
  const seq = await sendOperatorCommand(ctx, host, `schedule-${id}`, type, body, timeoutMs);
  if (host !== ctx.cfg.host) return { sent: true as const };
  const v = await awaitCommand(ctx, `schedule-${id}`, seq, timeoutMs);
  if (v?.applied) return { sent: false as const };
  if (v) throw new MamError('REFUSED', `the reconciler refused ${type} of ${id} (${v.refusal ?? 'refused'})`);
  io.err(
    `mam schedule: ${type} of ${id} published but not committed within ${timeoutMs} ms\n  hint: is the reconciler running? \`mam up\` starts it. The broker keeps the command for it.\n`,
  );
  return undefined;
}

async function add(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseFlags('schedule', argv, {
    cron: { type: 'string' },
    param: { type: 'string', multiple: true },
    id: { type: 'string' },
    host: { type: 'string' },
    wait: { type: 'string' },
    json: { type: 'boolean' },
  });
  if (positionals.length !== 1 || !values.cron)
    throw usage('schedule', 'say what and when: `mam schedule add <workflow file> --cron "0 3 * * *"`');
  const file = resolve(io.cwd, positionals[0]!);
  const cron = values.cron;
  parseCron(cron);
  let workflow: string;
  try {
    workflow = readFileSync(file, 'utf8');
  } catch (err) {
    throw new MamError('FILE_NOT_FOUND', `cannot read the workflow ${file}: ${(err as Error).message}`);
  }
  const params = parseParams('schedule', values.param ?? []);
  const id = assertId(values.id ?? basename(file, extname(file)).replace(/[^A-Za-z0-9_-]/g, '-'), 'schedule id');
  const ctx = loadContext(io.cwd, io.env);
  const host = assertId(values.host ?? ctx.cfg.host, 'host name');
  const body = { id, cron, file, workflow, ...(Object.keys(params).length ? { params } : {}) };
  const r = await send(io, ctx, host, id, 'schedule.add', body, values.wait);
  if (!r) return 75;
  const next = nextFiring(cron, Date.now());
  if (values.json) io.out(`${JSON.stringify({ id, host, cron, next: next && when(next), sent: r.sent })}\n`);
  else if (r.sent) io.out(`schedule ${id} sent to host ${host}; \`mam schedule list\` there shows it\n`);
  else io.out(`schedule ${id} on ${host}: "${cron}", next firing ${when(next)}\n`);
  return 0;
}

async function remove(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseFlags('schedule', argv, { host: { type: 'string' }, wait: { type: 'string' } });
  if (positionals.length !== 1) throw usage('schedule', 'say which: `mam schedule remove <id>`');
  const id = assertId(positionals[0]!, 'schedule id');
  const ctx = loadContext(io.cwd, io.env);
  const host = assertId(values.host ?? ctx.cfg.host, 'host name');
  if (host === ctx.cfg.host && !readRegistryIfAny(ctx, undefined, (reg) => reg.getSchedule(id)))
    throw new MamError('UNKNOWN_SCHEDULE', `no schedule "${id}" on this host`, {
      hint: '`mam schedule list` shows the schedules',
    });
  const r = await send(io, ctx, host, id, 'schedule.remove', { id }, values.wait);
  if (!r) return 75;
  io.out(r.sent ? `removal of schedule ${id} sent to host ${host}\n` : `schedule ${id} removed\n`);
  return 0;
}

function list(argv: string[], io: Io): number {
  const { values } = parseFlags('schedule', argv, { json: { type: 'boolean' } });
  const ctx = loadContext(io.cwd, io.env);
  const rows = readRegistryIfAny<
    Array<ScheduleRow & { firings: number; last_error: string | null; last_run: string | null }>
  >(ctx, [], (reg) =>
    reg.listSchedules().map((s) => {
      const f = reg.scheduleFirings(s.id);
      const last = f.at(-1);
      return { ...s, firings: f.length, last_run: last?.run ?? null, last_error: last?.error ?? null };
    }),
  );
  if (values.json) {
    const out = rows.map(({ workflow: _w, params, ...s }) => ({ ...s, params: JSON.parse(params) as object }));
    io.out(`${JSON.stringify(out)}\n`);
    return 0;
  }
  if (rows.length === 0) {
    io.out('no schedules (`mam schedule add <workflow file> --cron "<expr>"` adds one)\n');
    return 0;
  }
  io.out(
    'ID                HOST        CRON              NEXT                  LAST FIRED            FIRINGS  LAST RUN\n',
  );
  for (const s of rows) {
    const last = s.last_error ? `error: ${s.last_error}` : (s.last_run ?? '-');
    io.out(
      `${s.id.padEnd(17)} ${s.host.padEnd(11)} ${s.cron.padEnd(17)} ${when(s.next_at).padEnd(21)} ${when(s.last_fired_at).padEnd(21)} ${String(s.firings).padEnd(8)} ${last}\n`,
    );
  }
  return 0;
}

export async function run(argv: string[], io: Io): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === '--help' || sub === '-h' || sub === undefined) throw new HelpRequested();
  if (sub === 'add') return add(rest, io);
  if (sub === 'remove') return remove(rest, io);
  if (sub === 'list') return list(rest, io);
  throw usage('schedule', `unknown subcommand "${sub}": add, list or remove`);
}
