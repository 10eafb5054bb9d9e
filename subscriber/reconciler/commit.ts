import type { Opened } from '../../core/envelope.js';
import { MamError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import { applyMessage, type ApplyContext, type Outcome } from '../apply-message.js';
import { recordRejection } from '../record-rejection.js';
import { mirrorEscalation } from '../policies/escalation-messages.js';
import type { Refusal } from '../state-publisher.js';
import type { Pending } from './verify.js';

/** A message that failed after it had written: its batch must be committed again, message by message. */
class PartialWrite extends Error {
  constructor(cause: unknown) {
    super('a message failed after writing to the registry', { cause });
  }
}

/** What a batch's commit did, for the steps after it. */
export interface Committed {
  outcomes: Outcome[];
  ackedByJob: Map<string, Array<[string, number]>>;
  /** verified events refused for a job: (sender, seq, reason, detail), so their emitters can say so */
  refusedByJob: Map<string, Refusal[]>;
  touched: Set<string>;
}

export interface CommitDeps {
  /** the registry, this host and the rules every message is applied by */
  apply: ApplyContext;
  log: Logger;
  stats: {
    batches: number;
    batchItems: number;
    commitMs: number;
    committed: number;
    duplicates: number;
    rejected: number;
  };
}

/** Commits a batch of verified messages to the registry and counts what each did. */
export function createCommitter(d: CommitDeps) {
  const { reg, host } = d.apply;

  /**
   * Commits one verified batch in one transaction. A savepoint per message
   * costs more than the rest of its commit, so by default messages share the
   * transaction: one refused before it wrote anything is only recorded, and
   * one that failed after writing aborts the batch (PartialWrite) for the
   * caller to commit again with `isolate`, every message in its own savepoint.
   */
  function commit(items: Pending[], now: number, isolate: boolean): Committed {
    const outcomes: Outcome[] = [];
    const ackedByJob = new Map<string, Array<[string, number]>>();
    const refusedByJob = new Map<string, Refusal[]>();
    const touched = new Set<string>();
    const noteRefusal = (o: Opened, out: Outcome) => {
      if (out.kind !== 'rejected') return;
      const list = refusedByJob.get(o.msg.job) ?? [];
      list.push([o.msg.sender, o.msg.seq, out.reason, out.detail]);
      refusedByJob.set(o.msg.job, list);
    };
    reg.transaction(() => {
      items.forEach((it) => {
        const o = it.opened;
        if (o === null) return;
        if (o instanceof Error) {
          const out = recordRejection(reg, o, it.topic, it.payload, it.refusedOpened ?? it.claimed);
          outcomes.push(out);
          if (it.refusedOpened) {
            noteRefusal(it.refusedOpened, out);
            touched.add(it.refusedOpened.msg.job);
          }
          return;
        }
        if (o.topic.kind === 'state') {
          const out = mirrorState(o, it);
          if (out) outcomes.push(out);
          return;
        }
        if (o.topic.kind === 'escalations') return mirrorEscalation(reg, host, o);
        let out: Outcome;
        const writes = reg.writes();
        try {
          out = isolate
            ? reg.transaction(() => applyMessage(d.apply, o, it.payload, it.topic, now))
            : applyMessage(d.apply, o, it.payload, it.topic, now);
        } catch (err) {
          if (!isolate && reg.writes() !== writes) throw new PartialWrite(err);
          out = recordRejection(reg, err, it.topic, it.payload, o);
        }
        if (out.kind === 'duplicate')
          recordRejection(
            reg,
            new MamError('REPLAY', 'seq already committed (duplicate or replay); acknowledged, not applied'),
            it.topic,
            it.payload,
            o,
          );
        outcomes.push(out);
        if (out.kind !== 'rejected' || reg.hasEvent(o.msg.job, o.msg.sender, o.msg.seq)) {
          const list = ackedByJob.get(o.msg.job) ?? [];
          list.push([o.msg.sender, o.msg.seq]);
          ackedByJob.set(o.msg.job, list);
        }
        noteRefusal(o, out);
        touched.add(o.msg.job);
        // A run's stop changed its jobs' states: each one's retained state is published.
        if (out.kind === 'run-stopped') for (const s of out.stopped) touched.add(s.job);
      });
    });
    return { outcomes, ackedByJob, refusedByJob, touched };
  }

  /** Snapshots from the owner of a job on another host keep this host's copy of the job current. */
  function mirrorState(o: Opened, it: Pending): Outcome | undefined {
    const row = reg.getJob(o.msg.job);
    if (!row) return;
    // Only the job's recorded host speaks for its state: anything else is refused and kept on record.
    if (o.msg.sender !== `reconciler@${row.host}`)
      return recordRejection(
        reg,
        new MamError(
          'SENDER_MISMATCH',
          `state of job ${row.id} signed as "${o.msg.sender}", not by its host ${row.host}`,
        ),
        it.topic,
        it.payload,
        o,
      );
    if (row.host === host) return;
    const b = o.msg.body as { state: typeof row.state; reason: string | null; gen: number };
    reg.mirrorJob(row.id, b.state, b.reason, b.gen);
  }

  return function commitBatch(items: Pending[]): Committed {
    d.stats.batches++;
    d.stats.batchItems += items.length;
    const now = Date.now();
    const t0 = performance.now();
    let done: Committed;
    try {
      done = commit(items, now, false);
    } catch (err) {
      if (!(err instanceof PartialWrite)) throw err;
      // The whole batch was rolled back: committed again, each message in a savepoint of its own.
      d.log.warn('a message failed after writing; batch committed again message by message', err.cause);
      done = commit(items, now, true);
    }
    d.stats.commitMs += performance.now() - t0;
    for (const out of done.outcomes) {
      if (
        out.kind === 'applied' ||
        out.kind === 'created' ||
        out.kind === 'resumed' ||
        out.kind === 'recorded' ||
        out.kind === 'run-stopped' ||
        out.kind === 'breaker-reset'
      )
        d.stats.committed++;
      else if (out.kind === 'duplicate') d.stats.duplicates++;
      else d.stats.rejected++;
    }
    return done;
  };
}
