import type { MeshClient } from '../broker/client.js';
import { sealEnvelope, type Msg } from '../core/envelope.js';
import type { Keyring } from '../core/keys.js';
import { topics } from '../core/topics.js';
import type { Registry } from './registry/registry.js';

// Keeps one snapshot well under the broker's packet limit even for a full batch of acks and refusals.
const ACKS_PER_MESSAGE = 2000;
const REFUSED_PER_MESSAGE = 100;
const REFUSAL_DETAIL_MAX = 200;
/** Snapshots announced at a time at connect: bounds the client's queue and lets other work run between batches. */
const ANNOUNCE_BATCH = 200;

/** A verified event the reconciler refused: (sender, seq, reason code, what was wrong). */
export type Refusal = [sender: string, seq: number, reason: string, detail: string];
// Snapshots per job remembered until their echo arrives; older ones are verified like any message.
const ECHOES_KEPT = 16;
const ECHO_TOPICS_KEPT = 10_000;

/**
 * Publishes a job's retained, signed snapshot on jobs/<job>/state. Signed
 * with the job's key so the job's own agent can verify the acknowledgement;
 * only the reconciler's login may publish there (broker ACL).
 */
export function createStatePublisher(opts: {
  client: MeshClient;
  reg: Registry;
  keyring: Keyring;
  ns: string;
  host: string;
}) {
  const sender = `reconciler@${opts.host}`;
  // What was published and not yet seen coming back: the wildcard subscription receives every
  // snapshot this reconciler sends, and bytes it sealed itself need no verification to be dropped.
  const unseen = new Map<string, Buffer[]>();
  const remember = (topic: string, payload: Buffer) => {
    const list = unseen.get(topic);
    if (!list) {
      if (unseen.size >= ECHO_TOPICS_KEPT) unseen.clear();
      unseen.set(topic, [payload]);
    } else if (list.push(payload) > ECHOES_KEPT) list.shift();
    return payload;
  };
  // Every snapshot gets its own seq, strictly increasing: two snapshots of one state_seq differ
  // (the session appears, other acks), and a reader must never see two contents under one seq.
  // Milliseconds as the floor keep it increasing across restarts of the reconciler as well.
  let lastSeq = 0;
  const nextSeq = () => (lastSeq = Math.max(Date.now(), lastSeq + 1));
  const publisher = {
    /** True (once) for a message that is, byte for byte, a snapshot this publisher sent. */
    isEcho(topic: string, payload: Buffer): boolean {
      const list = unseen.get(topic);
      const i = list ? list.findIndex((p) => p.equals(payload)) : -1;
      if (i < 0) return false;
      list!.splice(i, 1);
      if (list!.length === 0) unseen.delete(topic);
      return true;
    },
    publish(jobId: string, acks: Array<[string, number]> = [], refused: Refusal[] = []): Promise<void>[] {
      const job = opts.reg.getJob(jobId);
      if (!job) return [];
      const session = opts.reg.getSession(job.id, job.gen);
      const topic = topics.state(opts.ns, job.id);
      const base = {
        state: job.state,
        reason: job.reason,
        gen: job.gen,
        host: job.host,
        agent: job.agent,
        session: session && !session.ended_at ? session.name : null,
        updatedAt: job.updated_at,
        hwm: opts.reg.hwmOf(job.id).map((h) => [h.sender, h.seq] as [string, number]),
      };
      const count = Math.max(
        1,
        Math.ceil(acks.length / ACKS_PER_MESSAGE),
        Math.ceil(refused.length / REFUSED_PER_MESSAGE),
      );
      return Array.from({ length: count }, (_, i) => {
        const body: Record<string, unknown> = {
          ...base,
          acks: acks.slice(i * ACKS_PER_MESSAGE, (i + 1) * ACKS_PER_MESSAGE),
        };
        const r = refused.slice(i * REFUSED_PER_MESSAGE, (i + 1) * REFUSED_PER_MESSAGE);
        if (r.length)
          body.refused = r.map(([s, q, reason, detail]) => [s, q, reason, detail.slice(0, REFUSAL_DETAIL_MAX)]);
        const msg: Msg<object> = {
          v: 1,
          ns: opts.ns,
          job: job.id,
          type: 'job.state',
          sender,
          gen: job.gen,
          seq: nextSeq(),
          ts: Date.now(),
          body,
        };
        return opts.client.publish(topic, remember(topic, sealEnvelope(opts.ns, topic, msg, opts.keyring)), {
          qos: 1,
          retain: true,
        });
      });
    },
    /**
     * The snapshots of this host's live jobs, or of those ended after `since` (which a resume can
     * still reach). Published in batches that wait for their PUBACKs and yield, so a registry of
     * many ended jobs never floods the client or starves the sweep and SIGTERM.
     */
    async announce(which: 'live' | 'ended', o: { since: number; stop?: () => boolean }): Promise<number> {
      let n = 0;
      const ids = which === 'live' ? opts.reg.unendedJobIds(opts.host) : opts.reg.endedJobIds(opts.host, o.since);
      for (let i = 0; i < ids.length && !o.stop?.(); i += ANNOUNCE_BATCH) {
        await Promise.all(ids.slice(i, i + ANNOUNCE_BATCH).flatMap((id) => publisher.publish(id)));
        n += Math.min(ANNOUNCE_BATCH, ids.length - i);
        await new Promise((r) => setImmediate(r));
      }
      return n;
    },
  };
  return publisher;
}

export type StatePublisher = ReturnType<typeof createStatePublisher>;
