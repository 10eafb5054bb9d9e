import { readdirSync } from 'node:fs';
import type { MeshClient } from '../broker/client.js';
import { expireOutboxEntry, removeFromOutbox, scanOutbox, setAsideOutboxFile } from '../broker/emitter/outbox.js';
import { MamError, reasonOf } from '../core/errors.js';
import { OPERATOR_DIR } from '../core/workspace.js';
import { ID_PATTERN, parseTopic } from '../core/topics.js';
import type { Registry } from './registry/registry.js';
import { verifyOutboxEntry, type OutboxLimits } from './verify-outbox-entry.js';

// Refusals that a later resend of the same bytes can overcome: the job's create had not arrived yet,
// or the reconciler itself failed.
const RETRYABLE = new Set(['unknown_job', 'internal']);

export interface SweepResult {
  resent: number;
  cleared: number;
  expired: number;
  refused: number;
  /** entries that failed verification, moved to outbox/rejected/ and recorded as rejections */
  setAside: number;
}

/**
 * Re-sends every outbox entry on this host that the registry has not
 * committed, and deletes the ones it has. Resends are harmless: a committed
 * seq comes back as a duplicate, is acknowledged and dropped. An entry the
 * reconciler refused for good is moved to outbox/expired/ instead of being
 * refused (and recorded) again at every sweep, and entries of a job the
 * registry does not know wait, unsent, until it does or they expire (but
 * for the job's own control.create, which is what makes it known). Nothing
 * is sent before verifyOutboxEntry has passed it: an entry that fails is
 * moved to outbox/rejected/ and recorded, once.
 */
export async function sweepOutboxes(
  jobsDir: string,
  reg: Registry,
  client: MeshClient,
  opts: OutboxLimits & { graceMs: number; maxAgeMs: number },
): Promise<SweepResult> {
  const r: SweepResult = { resent: 0, cleared: 0, expired: 0, refused: 0, setAside: 0 };
  const now = Date.now();
  let jobs: string[];
  try {
    jobs = readdirSync(jobsDir).filter((j) => ID_PATTERN.test(j));
  } catch {
    return r;
  }
  // A JSON file holds the payload in base64 (4/3) plus a few short fields.
  const maxFileBytes = Math.ceil((opts.maxBytes * 4) / 3) + 4096;
  for (const job of jobs) {
    const known = reg.getJob(job) !== undefined;
    // The job's agent's outbox, then the operator's (workspace.operatorDir).
    for (const dir of [`${jobsDir}/${job}`, `${jobsDir}/${job}/${OPERATOR_DIR}`]) {
      for (const f of scanOutbox(dir, maxFileBytes)) {
        let e;
        try {
          if (f.unreadable)
            throw new MamError(f.bytes > maxFileBytes ? 'OVERSIZE' : 'BAD_ENVELOPE', `outbox ${f.unreadable}`);
          e = verifyOutboxEntry(job, f.data, opts).entry;
        } catch (err) {
          setAside(reg, dir, job, f.name, err);
          r.setAside++;
          continue;
        }
        const applied = reg.eventApplied(job, e.sender, e.seq);
        if (applied) {
          removeFromOutbox(dir, e.sender, e.seq);
          r.cleared++;
        } else if (known && refusedForGood(reg.refusalOf(job, e.sender, e.seq))) {
          // A refused event is in the event log too (its seq consumed, not applied): it goes to
          // expired/ for inspection, as its emitter moves it, not away as if delivered.
          expireOutboxEntry(dir, e.sender, e.seq);
          r.refused++;
        } else if (applied === false) {
          removeFromOutbox(dir, e.sender, e.seq);
          r.cleared++;
        } else if (now - e.created > opts.maxAgeMs) {
          // The reconciler refuses it by timestamp now: keep it for inspection, stop re-sending.
          expireOutboxEntry(dir, e.sender, e.seq);
          r.expired++;
        } else if ((known || parseTopic(opts.ns, e.topic)?.kind === 'control') && now - e.created > opts.graceMs) {
          // Younger entries are still their emitter's to deliver: re-sending them now would only duplicate.
          await client.publish(e.topic, Buffer.from(e.payload, 'base64'), { qos: 1 });
          r.resent++;
        }
      }
    }
  }
  return r;
}

/** Moves a bad entry out of the outbox and records it where `mam rejections` shows it. */
function setAside(reg: Registry, dir: string, job: string, name: string, err: unknown) {
  const reason = reasonOf(err);
  const detail = `outbox entry ${name} not sent, moved to outbox/rejected/: ${(err as Error).message}`;
  try {
    setAsideOutboxFile(dir, name, `${reason}: ${(err as Error).message}`);
  } catch {
    return; // gone meanwhile: nothing left to send
  }
  reg.insertRejection({ reason, detail, topic: `(outbox of ${job})`, job });
}

function refusedForGood(reason: string | undefined): boolean {
  return reason !== undefined && !RETRYABLE.has(reason);
}
