import { setTimeout as sleep } from 'node:timers/promises';
import { allocateSeq } from '../../broker/emitter/seq.js';
import { connectAs } from '../../broker/connect-role.js';
import type { Context } from '../../core/context.js';
import { loadContext } from '../../core/context.js';
import { sealEnvelope, type Msg } from '../../core/envelope.js';
import { MamError } from '../../core/errors.js';
import { validateMsg } from '../../core/event-schema.js';
import { assertId, topics } from '../../core/topics.js';
import { HelpRequested, parseDuration, parseFlags, usage } from '../args.js';
import type { Io } from '../io.js';
import { readRegistryIfAny } from '../open-registry.js';

const AGENT = /^[a-z][a-z0-9_-]{0,31}$/;

/** What the host's registry says of the reset: applied, refused (why), or not committed yet. */
function verdictOf(
  ctx: Context,
  job: string,
  sender: string,
  seq: number,
): { applied: boolean; refusal?: string } | undefined {
  return readRegistryIfAny(ctx, undefined, (reg) => {
    const applied = reg.eventApplied(job, sender, seq);
    return applied === undefined
      ? undefined
      : { applied, refusal: applied ? undefined : reg.refusalOf(job, sender, seq) };
  });
}

/**
 * `mam breaker reset <agent> [--host h]`: a signed breaker.reset on the host's control topic (an
 * operator command, like create and resume). This host's own reset is confirmed from its registry;
 * another host's is confirmed by that host (`mam ps` there).
 */
async function reset(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseFlags('breaker', argv, {
    host: { type: 'string' },
    reason: { type: 'string' },
    wait: { type: 'string' },
    json: { type: 'boolean' },
  });
  if (positionals.length !== 1 || !AGENT.test(positionals[0]))
    throw usage(
      'breaker',
      'say which agent: `mam breaker reset <agent> [--host <host>]` (an agent name like claude or command)',
    );
  const agent = positionals[0];
  const ctx = loadContext(io.cwd, io.env);
  const host = assertId(values.host ?? ctx.cfg.host, 'host name');
  const timeoutMs = values.wait ? parseDuration('breaker', values.wait) : ctx.cfg.emit.ackTimeoutMs;
  const ns = ctx.cfg.namespace;
  const topic = topics.control(ns, host);
  // Keys the operator's seq for this breaker: the reconciler refuses a replay of an older reset.
  const job = `breaker-${agent}`;
  const sender = `operator@${ctx.cfg.host}`;
  const body = values.reason ? { agent, reason: values.reason } : { agent };
  validateMsg('control', { v: 1, ns, job, type: 'breaker.reset', sender, gen: 0, seq: 1, ts: Date.now(), body });
  const seq = await allocateSeq(ctx.ws.operatorDir(job), sender);
  const msg: Msg<object> = { v: 1, ns, job, type: 'breaker.reset', sender, gen: 0, seq, ts: Date.now(), body };
  const client = await connectAs(ctx, 'operator', { connectTimeoutMs: Math.min(timeoutMs, 10_000) });
  try {
    await client.publish(topic, sealEnvelope(ns, topic, msg, ctx.keyring), { qos: 1 });
  } finally {
    await client.close();
  }
  const say = (text: string, fields: object) =>
    values.json ? io.out(`${JSON.stringify({ agent, host, seq, ...fields })}\n`) : io.out(`${text}\n`);
  if (host !== ctx.cfg.host) {
    say(
      `breaker reset for ${agent} sent to host ${host}; its reconciler closes the breaker (\`mam ps\` there shows it)`,
      { sent: true },
    );
    return 0;
  }
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = verdictOf(ctx, job, sender, seq);
    if (v?.applied) {
      say(`breaker of ${agent} on ${host} reset: closed, its failures forgotten`, { reset: true });
      return 0;
    }
    if (v)
      throw new MamError(
        'REFUSED',
        `the reconciler refused the reset of ${agent}'s breaker (${v.refusal ?? 'refused'})`,
        { hint: '`mam rejections` lists it' },
      );
    if (Date.now() >= deadline) break;
    await sleep(100);
  }
  io.err(
    `mam breaker: reset of ${agent} published but not applied within ${timeoutMs} ms\n  hint: is the reconciler running? \`mam up\` starts it; \`mam ps\` shows it. The broker keeps the reset for it.\n`,
  );
  return 75;
}

export async function run(argv: string[], io: Io): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === '--help' || sub === '-h') throw new HelpRequested();
  if (sub !== 'reset') throw usage('breaker', 'say what to do: `mam breaker reset <agent> [--host <host>]`');
  return reset(rest, io);
}
