import type { Opened } from '../core/envelope.js';
import { reasonOf } from '../core/errors.js';
import { ID_PATTERN } from '../core/topics.js';
import type { Outcome } from './apply-message.js';
import type { Registry } from './registry/registry.js';

/** Records a refused message; never throws, so one bad message cannot stop a batch. */
export function recordRejection(reg: Registry, err: unknown, topic: string, raw: Buffer, o?: Opened): Outcome {
  const reason = reasonOf(err);
  const detail = String((err as Error)?.message ?? err);
  // Unverified, the job a message claims is only its topic's: recorded so `mam rejections --job` finds it.
  const job = o?.msg.job ?? jobOfTopic(topic);
  reg.insertRejection({ reason, detail, topic, job, sender: o?.msg.sender, seq: o?.msg.seq, raw });
  return { kind: 'rejected', reason, detail, job: o?.msg.job, sender: o?.msg.sender, seq: o?.msg.seq };
}

const JOB_TOPIC = /^mam\/v1\/[^/]+\/(?:jobs\/([^/]+)\/(?:events|escalations)|reviews\/([^/]+)\/verdicts)$/;

function jobOfTopic(topic: string): string | undefined {
  const m = JOB_TOPIC.exec(topic);
  const id = m?.[1] ?? m?.[2];
  return id !== undefined && ID_PATTERN.test(id) ? id : undefined;
}
