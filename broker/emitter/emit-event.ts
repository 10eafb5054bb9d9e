import { sealEnvelope, signingKey, type Msg } from '../../core/envelope.js';
import { isMamError, MamError } from '../../core/errors.js';
import { validateMsg } from '../../core/event-schema.js';
import { parseTopic, topics } from '../../core/topics.js';
import { connectClient, type MeshClient } from '../client.js';
import type { EmitIdentity, EmitResult } from './emit-identity.js';
import { readStateBody, type StateBody } from './job-state.js';
import { addToOutbox, expireOutboxEntry, listOutbox, removeFromOutbox, type OutboxEntry } from './outbox.js';
import { allocateSeq } from './seq.js';

// Connection failures that say nothing is listening or reachable right now.
const DOWN_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'EAI_AGAIN',
  'EPIPE',
]);

function brokerDown(err: unknown): boolean {
  const cause = (err as { cause?: { code?: unknown } })?.cause;
  return isMamError(err, 'BROKER_UNREACHABLE') && typeof cause?.code === 'string' && DOWN_CODES.has(cause.code);
}

/**
 * Allocates the event's seq under the job's lock, signs it and writes it to the
 * outbox before any attempt to send it (write-ahead): every seq a sender has
 * used belongs to an event kept there until the reconciler acknowledges it.
 */
async function keepInOutbox(id: EmitIdentity, topic: string, type: string, body: object, gen: number): Promise<number> {
  const seq = await allocateSeq(id.jobDir, id.sender);
  const msg: Msg<object> = { v: 1, ns: id.ns, job: id.job, type, sender: id.sender, gen, seq, ts: Date.now(), body };
  const payload = sealEnvelope(id.ns, topic, msg, id.keyring, id.hostOf);
  if (payload.length > id.maxMessageBytes) {
    throw new MamError('OVERSIZE', `event is ${payload.length} bytes; the limit is ${id.maxMessageBytes}`, {
      hint: 'shorten the body (long output belongs in a file named as an artifact)',
    });
  }
  addToOutbox(id.jobDir, { topic, sender: id.sender, seq, payload: payload.toString('base64'), created: Date.now() });
  return seq;
}

/** What to do about a refusal, by reason code. */
function refusalHint(reason: string, job: string): string {
  if (reason === 'wrong_generation')
    return `an event acts only on the job's current session: \`mam job show ${job}\` shows its generation`;
  if (reason === 'illegal_transition') return `\`mam job show ${job}\` shows the state the job is in`;
  return `\`mam rejections --job ${job}\` lists it`;
}

/**
 * Signs one event, keeps it in the job's outbox (write-ahead), publishes it
 * with every older outbox entry of the job, and — with `wait` — resolves once
 * the reconciler's signed state acknowledges each of them.
 */
export async function emitEvent(
  id: EmitIdentity,
  topic: string,
  type: string,
  body: object,
  opts: { wait: boolean; timeoutMs: number },
): Promise<EmitResult> {
  const stateTopic = topics.state(id.ns, id.job);
  // The reconciler would refuse it: say so now, before a seq is spent and the event kept and re-sent
  // (the generation, learnt below when not given, never makes a message valid or invalid).
  validateMsg(parseTopic(id.ns, topic)!.kind, {
    v: 1,
    ns: id.ns,
    job: id.job,
    type,
    sender: id.sender,
    gen: id.gen ?? 0,
    seq: 1,
    ts: Date.now(),
    body,
  });
  // Nor spend a seq of a sender this keyring cannot sign as (an agent session naming the operator).
  signingKey(id.ns, topic, id.sender, id.keyring, id.hostOf);
  let client: MeshClient;
  try {
    client = await connectClient({
      url: id.url,
      ca: id.ca,
      username: id.login.username,
      password: id.login.password,
      reconnectMs: 0,
      writeCache: false,
    });
  } catch (err) {
    // A broker that is down for now (restarting, network gone) must not cost the event: when its
    // generation is known without the broker, it waits in the outbox for the next emit of the job
    // or the host reconciler's sweep. Anything else (a refused login, a bad certificate) is an error.
    if (!brokerDown(err)) throw err;
    const gen = id.gen ?? (await id.offlineGen?.().catch(() => undefined));
    if (gen === undefined) throw err;
    const seq = await keepInOutbox(id, topic, type, body, gen);
    return {
      topic,
      seq,
      gen,
      committed: false,
      resent: 0,
      refusedResends: 0,
      sawState: false,
      unreachable: (err as Error).message,
    };
  }
  try {
    const pending = new Map<string, OutboxEntry>();
    let latestGen: number | undefined;
    const refusals = new Map<string, { reason: string; detail: string }>();
    let sawState: () => void = () => {};
    const firstState = new Promise<void>((r) => (sawState = r));
    let allAcked: () => void = () => {};
    const acked = new Promise<void>((r) => (allAcked = r));
    // Acks count only for what this run published: the retained state arrives before that.
    let published = false;
    client.mqtt.on('message', (t, payload) => {
      if (t !== stateTopic) return;
      let state: StateBody;
      try {
        state = readStateBody(id, t, payload);
      } catch {
        return; // an unverifiable state message proves nothing: keep waiting
      }
      latestGen = state.gen;
      sawState();
      // A refused event can never be accepted as it is: kept aside for inspection, never re-sent.
      for (const [sender, seq, reason, detail] of state.refused ?? []) {
        const key = `${sender}\0${seq}`;
        const entry = pending.get(key);
        if (!entry) continue;
        pending.delete(key);
        refusals.set(key, { reason, detail });
        try {
          expireOutboxEntry(id.jobDir, entry.sender, entry.seq);
        } catch {
          // already moved or removed by the host's sweep
        }
      }
      for (const [sender, seq] of state.acks ?? []) {
        const key = `${sender}\0${seq}`;
        const entry = pending.get(key);
        if (entry) {
          pending.delete(key);
          removeFromOutbox(id.jobDir, entry.sender, entry.seq);
        }
      }
      if (published && pending.size === 0) allAcked();
    });
    await client.mqtt.subscribeAsync(stateTopic, { qos: 1 }).catch((err: Error & { packet?: unknown }) => {
      // A SUBACK failure means this login is not the job's: a broker answer, not an internal error.
      if (!err.packet) throw err;
      throw new MamError(
        'NOT_AUTHORIZED',
        `the broker refused ${id.login.username} the state topic of job ${id.job}: ${err.message}`,
        {
          hint: 'the broker login does not belong to this job: check MAM_BROKER_USERNAME/MAM_JOB_ID, or relaunch the job',
          cause: err,
        },
      );
    });

    let gen = id.gen;
    if (gen === undefined) {
      // The retained state follows the SUBACK; a job without state yet is generation 0.
      await Promise.race([firstState, new Promise((r) => setTimeout(r, 300))]);
      // No state and no registry row: nobody knows the job. Kept, the event would wait in the
      // outbox for a job created later under the same id and act on it (docs/RECONCILER.md).
      if (latestGen === undefined && id.knownJob && !(await id.knownJob())) {
        throw new MamError(
          'UNKNOWN_JOB',
          `no job "${id.job}": no reconciler publishes its state and this host's registry does not have it; nothing was sent or kept`,
          {
            hint: "`mam jobs` lists the jobs; a job created on another host is known here once its state arrives (is that host's reconciler running?)",
          },
        );
      }
      gen = latestGen ?? 0;
    }
    const seq = await keepInOutbox(id, topic, type, body, gen);

    const entries = listOutbox(id.jobDir);
    for (const e of entries) pending.set(`${e.sender}\0${e.seq}`, e);
    published = true;
    try {
      for (const e of entries) await client.publish(e.topic, Buffer.from(e.payload, 'base64'), { qos: 1 });
    } catch (err) {
      // The event is in the outbox already: a connection lost while sending costs nothing but the
      // wait, so it is reported as kept (75) for the next emit or the host's sweep to deliver.
      if (!isMamError(err, 'BROKER_UNREACHABLE')) throw err;
      return {
        topic,
        seq,
        gen,
        committed: false,
        resent: entries.length - 1,
        refusedResends: 0,
        sawState: latestGen !== undefined,
        unreachable: (err as Error).message,
      };
    }
    if (pending.size === 0) allAcked();
    const resent = entries.length - 1;
    if (!opts.wait)
      return { topic, seq, gen, committed: false, resent, refusedResends: 0, sawState: latestGen !== undefined };

    let timer: NodeJS.Timeout | undefined;
    const committed = await Promise.race([
      acked.then(() => true),
      new Promise<boolean>((r) => (timer = setTimeout(() => r(false), opts.timeoutMs))),
    ]);
    clearTimeout(timer);
    const own = `${id.sender}\0${seq}`;
    const refused = refusals.get(own);
    if (refused) {
      throw new MamError(
        'REFUSED',
        `the reconciler refused ${type} seq ${seq} of job ${id.job} (${refused.reason}): ${refused.detail}`,
        { hint: refusalHint(refused.reason, id.job) },
      );
    }
    return {
      topic,
      seq,
      gen,
      committed: committed || !pending.has(own),
      resent,
      refusedResends: refusals.size,
      sawState: latestGen !== undefined,
    };
  } finally {
    await client.close();
  }
}
