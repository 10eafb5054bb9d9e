import type { MeshClient } from '../broker/client.js';
import { sealEnvelope, type Msg } from '../core/envelope.js';
import type { Keyring } from '../core/keys.js';
import { topics } from '../core/topics.js';
import type { Registry } from './registry/registry.js';

// Keeps one snapshot well under the broker's packet limit even for a full batch of acks.
const ACKS_PER_MESSAGE = 2000;

/**
 * Publishes a job's retained, signed snapshot on jobs/<job>/state. Signed
 * with the job's key so the job's own agent can verify the acknowledgement;
 * only the reconciler's login may publish there (broker ACL).
 */
export function createStatePublisher(opts: { client: MeshClient; reg: Registry; keyring: Keyring; ns: string; host: string }) {
  const sender = `reconciler@${opts.host}`;
  return {
    publish(jobId: string, acks: Array<[string, number]> = []): Promise<void>[] {
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
      const chunks = acks.length ? [] as Array<Array<[string, number]>> : [[]];
      for (let i = 0; i < acks.length; i += ACKS_PER_MESSAGE) chunks.push(acks.slice(i, i + ACKS_PER_MESSAGE));
      return chunks.map((chunk) => {
        const msg: Msg<object> = {
          v: 1, ns: opts.ns, job: job.id, type: 'job.state', sender, gen: job.gen,
          seq: job.state_seq + 1, ts: Date.now(), body: { ...base, acks: chunk },
        };
        return opts.client.publish(topic, sealEnvelope(opts.ns, topic, msg, opts.keyring), { qos: 1, retain: true });
      });
    },
  };
}
