import { readdirSync } from 'node:fs';
import type { MeshClient } from '../broker/client.js';
import { expireOutboxEntry, listOutbox, removeFromOutbox } from '../core/outbox.js';
import { ID_PATTERN, parseTopic } from '../core/topics.js';
import type { Registry } from './registry/registry.js';

// Refusals that a later resend of the same bytes can overcome: the job's create had not arrived yet,
// or the reconciler itself failed.
const RETRYABLE = new Set(['unknown_job', 'internal']);

/**
 * Re-sends every outbox entry on this host that the registry has not
 * committed, and deletes the ones it has. Resends are harmless: a committed
 * seq comes back as a duplicate, is acknowledged and dropped. An entry the
 * reconciler refused for good is moved to outbox/expired/ instead of being
 * refused (and recorded) again at every sweep, and entries of a job the
 * registry does not know wait, unsent, until it does or they expire (but
 * for the job's own control.create, which is what makes it known).
 */
export async function sweepOutboxes(
  jobsDir: string,
  reg: Registry,
  client: MeshClient,
  opts: { ns: string; graceMs: number; maxAgeMs: number },
): Promise<{ resent: number; cleared: number; expired: number; refused: number }> {
  let resent = 0;
  let cleared = 0;
  let expired = 0;
  let refused = 0;
  const now = Date.now();
  let jobs: string[];
  try {
    jobs = readdirSync(jobsDir).filter((j) => ID_PATTERN.test(j));
  } catch {
    return { resent, cleared, expired, refused };
  }
  for (const job of jobs) {
    const dir = `${jobsDir}/${job}`;
    const known = reg.getJob(job) !== undefined;
    for (const e of listOutbox(dir)) {
      if (reg.hasEvent(job, e.sender, e.seq)) {
        removeFromOutbox(dir, e.sender, e.seq);
        cleared++;
      } else if (known && refusedForGood(reg.refusalOf(job, e.sender, e.seq))) {
        expireOutboxEntry(dir, e.sender, e.seq);
        refused++;
      } else if (now - e.created > opts.maxAgeMs) {
        // The reconciler refuses it by timestamp now: keep it for inspection, stop re-sending.
        expireOutboxEntry(dir, e.sender, e.seq);
        expired++;
      } else if ((known || parseTopic(opts.ns, e.topic)?.kind === 'control') && now - e.created > opts.graceMs) {
        // Younger entries are still their emitter's to deliver: re-sending them now would only duplicate.
        await client.publish(e.topic, Buffer.from(e.payload, 'base64'), { qos: 1 });
        resent++;
      }
    }
  }
  return { resent, cleared, expired, refused };
}

function refusedForGood(reason: string | undefined): boolean {
  return reason !== undefined && !RETRYABLE.has(reason);
}
