import type { IPublishPacket } from 'mqtt';
import type { Pending, Verify } from './verify.js';

export interface ReceiveDeps {
  stats: { received: number };
  /** the connection the message came on: a PUBACK is released only on that one (subscriber/deferred-pubacks.ts) */
  connection(): number;
  verify: Verify;
  /** adds the message to the batch being gathered (batcher.ts) */
  enqueue(it: Pending): void;
  /** true once the reconciler is closing or its registry is lost: messages are left to the broker */
  closed(): boolean;
}

/**
 * The client's message handler, the first step: each message is verified and
 * queued for the next batch; its PUBACK is held until the batch is committed.
 */
export function createReceiver(d: ReceiveDeps) {
  return (packet: IPublishPacket, done: () => void): void => {
    if (!d.closed()) {
      d.stats.received++;
      // Verified as it arrives: pure CPU, done while earlier batches wait on the disk or the broker.
      const it: Pending = {
        topic: packet.topic,
        payload: packet.payload as Buffer,
        messageId: packet.messageId,
        connection: d.connection(),
        opened: null,
      };
      it.opened = d.verify(it, Date.now());
      d.enqueue(it);
    }
    done();
  };
}
