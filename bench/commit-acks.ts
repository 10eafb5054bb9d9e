import { performance } from 'node:perf_hooks';
import type { Context } from '../core/context.js';
import { topics } from '../core/topics.js';
import type { Emitter } from './publish-load.js';

/**
 * Send and acknowledgement times (performance.now(), 0 = not yet) of seq 1..maxSeq of one emitter, at index seq - 1.
 */
export interface AckTimes {
  sentAt: Float64Array;
  ackedAt: Float64Array;
}

/**
 * Follows each emitter's job state topic, as `mam emit` does, and stamps the
 * moment the reconciler's state first lists (agent, seq) as committed. The
 * bench trusts its own reconciler: state messages are read, not verified.
 */
export async function trackCommitAcks(ctx: Context, emitters: Emitter[], maxSeq: number) {
  let acked = 0;
  const times = new Map<string, AckTimes>();
  for (const e of emitters) {
    const t: AckTimes = { sentAt: new Float64Array(maxSeq), ackedAt: new Float64Array(maxSeq) };
    times.set(e.job, t);
    const stateTopic = topics.state(ctx.cfg.namespace, e.job);
    e.client.mqtt.on('message', (topic, payload) => {
      if (topic !== stateTopic) return;
      const now = performance.now();
      const body = JSON.parse(JSON.parse(payload.toString('utf8')).msg).body as { acks?: Array<[string, number]> };
      for (const [sender, seq] of body.acks ?? []) {
        if (sender === 'agent' && seq >= 1 && seq <= maxSeq && t.ackedAt[seq - 1] === 0) {
          t.ackedAt[seq - 1] = now;
          acked++;
        }
      }
    });
    await e.client.mqtt.subscribeAsync(stateTopic, { qos: 1 });
  }
  return {
    times: (job: string) => times.get(job)!,
    acked: () => acked,
    /** send → commit-ack latencies in ms of every acknowledged message with seq in [from, to] */
    latencies(from: number, to: number): number[] {
      const out: number[] = [];
      for (const t of times.values()) {
        for (let i = from - 1; i < to; i++)
          if (t.ackedAt[i] > 0 && t.sentAt[i] > 0) out.push(t.ackedAt[i] - t.sentAt[i]);
      }
      return out;
    },
  };
}
