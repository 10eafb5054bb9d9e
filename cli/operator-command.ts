import { setTimeout as sleep } from 'node:timers/promises';
import { connectAs } from '../broker/connect-role.js';
import { allocateSeq } from '../broker/emitter/seq.js';
import type { Context } from '../core/context.js';
import { sealEnvelope, type Msg } from '../core/envelope.js';
import { validateMsg } from '../core/event-schema.js';
import { topics } from '../core/topics.js';
import { readRegistryIfAny } from './open-registry.js';

/** What the host's registry says of a command: applied, refused (why), or not committed yet (undefined). */
export type CommandVerdict = { applied: boolean; refusal?: string } | undefined;

/**
 * Sends one signed operator command about no job (breaker.reset, schedule.add …) to `host`'s
 * control topic. `key` names what it is about (`breaker-<agent>`, `schedule-<id>`): the operator's
 * seq is counted per key, so the reconciler refuses a replay of an older command. Returns the seq.
 */
export async function sendOperatorCommand(
  ctx: Context,
  host: string,
  key: string,
  type: string,
  body: object,
  timeoutMs: number,
): Promise<number> {
  const ns = ctx.cfg.namespace;
  const topic = topics.control(ns, host);
  const sender = `operator@${ctx.cfg.host}`;
  // Refused here, before a seq is spent, what the reconciler would refuse.
  validateMsg('control', { v: 1, ns, job: key, type, sender, gen: 0, seq: 1, ts: Date.now(), body });
  const seq = await allocateSeq(ctx.ws.operatorDir(key), sender);
  const msg: Msg<object> = { v: 1, ns, job: key, type, sender, gen: 0, seq, ts: Date.now(), body };
  const client = await connectAs(ctx, 'operator', { connectTimeoutMs: Math.min(timeoutMs, 10_000) });
  try {
    await client.publish(topic, sealEnvelope(ns, topic, msg, ctx.keyring), { qos: 1 });
  } finally {
    await client.close();
  }
  return seq;
}

/**
 * Waits until this host's registry has committed the command (applied or refused); undefined when
 * `timeoutMs` passed first (the reconciler is not running: the broker keeps the command for it).
 */
export async function awaitCommand(ctx: Context, key: string, seq: number, timeoutMs: number): Promise<CommandVerdict> {
  const sender = `operator@${ctx.cfg.host}`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = readRegistryIfAny<CommandVerdict>(ctx, undefined, (reg) => {
      const applied = reg.eventApplied(key, sender, seq);
      return applied === undefined
        ? undefined
        : { applied, refusal: applied ? undefined : reg.refusalOf(key, sender, seq) };
    });
    if (v || Date.now() >= deadline) return v;
    await sleep(100);
  }
}
