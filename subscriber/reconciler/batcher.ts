import type { Logger } from '../../core/logger.js';
import type { Pending } from './verify.js';

export interface BatcherDeps {
  log: Logger;
  /** reconciler.batchMax: a batch this large is committed at once */
  batchMax: number;
  /** reconciler.batchDelayMs: how long a smaller batch gathers */
  batchDelayMs: number;
  /** resolves once connected, when the steps after the commit exist */
  ready: Promise<void>;
  /** commits a batch and runs the steps after it (pipeline.ts) */
  process(items: Pending[]): Promise<void>;
  /** drops the broker connection */
  disconnect(): void;
}

export type Batcher = ReturnType<typeof createBatcher>;

/** Gathers verified messages into batches and hands them on one at a time, in arrival order. */
export function createBatcher(d: BatcherDeps) {
  let batch: Pending[] = [];
  let scheduled: NodeJS.Timeout | undefined;
  let flushing: Promise<void> = Promise.resolve();

  function flushSoon(delay: number) {
    if (scheduled && delay > 0) return;
    clearTimeout(scheduled);
    scheduled = setTimeout(() => {
      scheduled = undefined;
      flushing = flushing.then(flush).catch(flushFailed);
    }, delay);
  }

  /**
   * A failed commit acknowledged nothing; dropping the connection makes the
   * broker redeliver every unacknowledged message to the persistent session.
   */
  function flushFailed(err: unknown) {
    d.log.error('commit failed; reconnecting for redelivery', err);
    d.disconnect();
  }

  async function flush(): Promise<void> {
    await d.ready;
    if (batch.length === 0) return;
    const items = batch;
    batch = [];
    await d.process(items);
  }

  return {
    add(it: Pending): void {
      batch.push(it);
      if (batch.length >= d.batchMax) flushSoon(0);
      else flushSoon(d.batchDelayMs);
    },
    /** The last flush, after the one under way: commits what was received and releases its PUBACKs. */
    drain(): Promise<void> {
      flushing = flushing
        .then(flush)
        .catch((err) => d.log.error('final commit failed; the broker keeps the messages', err));
      return flushing;
    },
    /** Stops the timer of the next flush; what was gathered stays for drain(). */
    cancel(): void {
      clearTimeout(scheduled);
    },
    /** Stops the timer and drops what was gathered: it stays unacknowledged with the broker. */
    discard(): void {
      clearTimeout(scheduled);
      batch = [];
    },
  };
}
