import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { emitEvent } from '../../broker/emitter/emit-event.js';
import type { EmitIdentity } from '../../broker/emitter/emit-identity.js';
import { loadContext } from '../../core/context.js';
import { MamError } from '../../core/errors.js';
import { isKnownType } from '../../core/event-schema.js';
import { singleKeyring } from '../../core/keys.js';
import { assertId, topics } from '../../core/topics.js';
import { operatorForJob } from '../operator-for-job.js';
import { parseDuration, parseFlags, usage } from '../args.js';
import { isQueued, queuedReport } from '../emit-outcome.js';
import type { Io } from '../io.js';

/** `--field k=v`: numbers, booleans and null are typed; everything else is a string. */
export function fieldsToBody(command: string, fields: string[]): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const f of fields) {
    const i = f.indexOf('=');
    if (i <= 0) throw usage(command, `--field needs key=value, got "${f}"`);
    const raw = f.slice(i + 1);
    body[f.slice(0, i)] = /^(-?\d+(\.\d+)?|true|false|null)$/.test(raw) ? JSON.parse(raw) : raw;
  }
  return body;
}

/**
 * --body's text: the JSON itself, `@path` for a file (relative to cwd) or `-`
 * for stdin — a large body never fits the OS limit on one argument.
 */
function bodyText(command: string, value: string, cwd: string): string {
  if (value !== '-' && !value.startsWith('@')) return value;
  const from = value === '-' ? 0 : resolve(cwd, value.slice(1));
  try {
    return readFileSync(from, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT')
      throw new MamError('FILE_NOT_FOUND', `--body ${value}: no such file`, {
        hint: 'give an existing file after @, or - to read the body from stdin',
      });
    throw usage(command, `cannot read --body ${value}: ${(err as Error).message}`);
  }
}

export function parseBody(
  command: string,
  raw: string | undefined,
  fields: string[] | undefined,
  cwd = process.cwd(),
): Record<string, unknown> {
  if (raw !== undefined && fields?.length) throw usage(command, 'use either --body or --field, not both');
  if (raw === undefined) return fieldsToBody(command, fields ?? []);
  const json = bodyText(command, raw, cwd);
  let body: unknown;
  try {
    body = JSON.parse(json);
  } catch (err) {
    throw usage(command, `--body is not valid JSON: ${(err as Error).message}`);
  }
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw usage(command, '--body must be a JSON object');
  return body as Record<string, unknown>;
}

/**
 * An agent session carries MAM_JOB_ID, MAM_JOB_KEY, MAM_KID and its broker login;
 * anywhere else the workspace supplies the operator login and derives the job key.
 */
export function resolveIdentity(
  io: Io,
  job: string | undefined,
  sender: string | undefined,
  gen: number | undefined,
): EmitIdentity & { ackTimeoutMs: number } {
  const env = io.env;
  if (env.MAM_JOB_KEY && env.MAM_JOB_ID) {
    if (job && job !== env.MAM_JOB_ID) {
      throw new MamError('USAGE', `this session belongs to job ${env.MAM_JOB_ID}; it cannot emit for ${job}`, {
        hint: 'omit --job inside an agent session',
      });
    }
    const need = [
      'MAM_KID',
      'MAM_NAMESPACE',
      'MAM_BROKER_URL',
      'MAM_BROKER_USERNAME',
      'MAM_BROKER_PASSWORD',
      'MAM_BROKER_CA',
      'MAM_JOB_DIR',
    ];
    const missing = need.filter((k) => !env[k]);
    if (missing.length)
      throw new MamError('CONFIG_INVALID', `agent session environment lacks ${missing.join(', ')}`, {
        hint: 'relaunch the job (`mam job resume <id>`)',
      });
    return {
      ns: env.MAM_NAMESPACE!,
      job: env.MAM_JOB_ID,
      sender: sender ?? env.MAM_SENDER ?? 'agent',
      gen: gen ?? (env.MAM_GEN ? Number(env.MAM_GEN) : undefined),
      keyring: singleKeyring(env.MAM_KID!, env.MAM_JOB_ID, Buffer.from(env.MAM_JOB_KEY, 'base64')),
      login: { username: env.MAM_BROKER_USERNAME!, password: env.MAM_BROKER_PASSWORD! },
      url: env.MAM_BROKER_URL!,
      ca: readFileSync(env.MAM_BROKER_CA!),
      jobDir: env.MAM_JOB_DIR!,
      maxMessageBytes: Number(env.MAM_MAX_MESSAGE_BYTES ?? 65536),
      ackTimeoutMs: Number(env.MAM_ACK_TIMEOUT_MS ?? 10_000),
    };
  }
  if (!job) throw usage('emit', '--job <id> is required outside an agent session');
  const ctx = loadContext(io.cwd, env);
  assertId(job, 'job id');
  // A job of another host: signed under that host's control key, the one operator key it can check.
  const id = operatorForJob(ctx, job, gen);
  return { ...id, sender: sender ?? id.sender, ackTimeoutMs: ctx.cfg.emit.ackTimeoutMs };
}

export async function run(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseFlags('emit', argv, {
    job: { type: 'string' },
    body: { type: 'string' },
    field: { type: 'string', multiple: true },
    sender: { type: 'string' },
    gen: { type: 'string' },
    timeout: { type: 'string' },
    'no-wait': { type: 'boolean' },
    json: { type: 'boolean' },
  });
  const type = positionals[0];
  if (!type || positionals.length > 1)
    throw usage('emit', 'give exactly one event type, e.g. `mam emit job.progress --job J1 --field message=hi`');
  if (!isKnownType(type) || type === 'review.verdict' || !type.startsWith('job.')) {
    throw usage(
      'emit',
      `unknown event type "${type}" (job.started, job.progress, job.heartbeat, job.blocked, job.done, job.failed, job.cancelled; verdicts: \`mam verdict\`)`,
    );
  }
  const body = parseBody('emit', values.body, values.field, io.cwd);
  const gen = values.gen === undefined ? undefined : Number(values.gen);
  if (gen !== undefined && (!Number.isInteger(gen) || gen < 0)) throw usage('emit', '--gen must be a whole number ≥ 0');
  const id = resolveIdentity(io, values.job, values.sender, gen);
  const timeoutMs = values.timeout ? parseDuration('emit', values.timeout) : id.ackTimeoutMs;
  const r = await emitEvent(id, topics.events(id.ns, id.job), type, body, { wait: !values['no-wait'], timeoutMs });
  const queued = isQueued(r, !values['no-wait']);
  if (values.json)
    io.out(
      JSON.stringify({
        job: id.job,
        type,
        seq: r.seq,
        gen: r.gen,
        committed: r.committed,
        queued,
        sent: r.unreachable === undefined,
        resent: r.resent,
        refusedResends: r.refusedResends,
      }) + '\n',
    );
  else if (queued) io.err(queuedReport('emit', `${type} seq ${r.seq}`, id.job, r, timeoutMs, id.jobDir));
  else io.out(`${type} job=${id.job} seq=${r.seq}${r.committed ? ' committed' : ' published'}${resentNote(r)}\n`);
  return queued ? 75 : 0;
}

function resentNote(r: { resent: number; refusedResends: number }): string {
  if (!r.resent) return '';
  return ` (+${r.resent} re-sent from outbox${r.refusedResends ? `, ${r.refusedResends} of them refused: see \`mam rejections\`` : ''})`;
}
