import { loadContext } from '../../core/context.js';
import { MamError } from '../../core/errors.js';
import { assertId } from '../../core/topics.js';
import { HelpRequested, parseDuration, parseFlags, usage } from '../args.js';
import type { Io } from '../io.js';
import { awaitCommand, sendOperatorCommand } from '../operator-command.js';

const AGENT = /^[a-z][a-z0-9_-]{0,31}$/;

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
  // Keyed per agent: the reconciler refuses a replay of an older reset.
  const job = `breaker-${agent}`;
  const body = values.reason ? { agent, reason: values.reason } : { agent };
  const seq = await sendOperatorCommand(ctx, host, job, 'breaker.reset', body, timeoutMs);
  const say = (text: string, fields: object) =>
    values.json ? io.out(`${JSON.stringify({ agent, host, seq, ...fields })}\n`) : io.out(`${text}\n`);
  if (host !== ctx.cfg.host) {
    say(
      `breaker reset for ${agent} sent to host ${host}; its reconciler closes the breaker (\`mam ps\` there shows it)`,
      { sent: true },
    );
    return 0;
  }
  const v = await awaitCommand(ctx, job, seq, timeoutMs);
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
