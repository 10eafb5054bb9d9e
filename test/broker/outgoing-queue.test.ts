import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OutgoingQueue, type QueuedPacket } from '../../broker/outgoing-queue.js';

type P = QueuedPacket & { n: number };

/**
 * The behaviour to keep: aedes-persistence's in-memory outgoing queue, an
 * array scanned per call. One deliberate difference: a PUBREL (no broker id)
 * replaces the entry holding its own packet id; the scan took the first entry
 * without a broker id, which could be an earlier PUBREL of another id.
 */
class ArrayModel {
  items: P[] = [];
  enqueue(p: P) {
    this.items.push(p);
  }
  update(p: P): boolean {
    if (p.brokerId === undefined) {
      const i = this.items.findIndex((t) => t.messageId === p.messageId);
      if (i >= 0) this.items[i] = p;
      return i >= 0;
    }
    for (let i = 0; i < this.items.length; i++) {
      const t = this.items[i];
      if (t.brokerId === p.brokerId) {
        if (t.brokerCounter === p.brokerCounter) {
          t.messageId = p.messageId;
          return true;
        }
      } else if (t.messageId === p.messageId) {
        this.items[i] = p;
        return true;
      }
    }
    return false;
  }
  clear(id: number | undefined): P | undefined {
    const i = this.items.findIndex((t) => t.messageId === id);
    return i < 0 ? undefined : this.items.splice(i, 1)[0];
  }
}

describe('OutgoingQueue', () => {
  it('gives each delivery its packet id by broker counter and clears by packet id, oldest first', () => {
    const q = new OutgoingQueue<P>();
    for (let n = 1; n <= 3; n++) q.enqueue({ brokerId: 'b', brokerCounter: n, n });
    expect(q.update({ brokerId: 'b', brokerCounter: 2, messageId: 7, n: 0 })).toBe(true);
    expect(q.update({ brokerId: 'b', brokerCounter: 9, messageId: 8, n: 0 })).toBe(false);
    expect(q.clear(7)?.n).toBe(2);
    expect(q.clear(7)).toBeUndefined();
    expect(q.snapshot().map((p) => p.n)).toEqual([1, 3]);
    // No id given: the oldest entry not yet sent (what Aedes clears when it drops a session's queue).
    expect(q.clear(undefined)?.n).toBe(1);
    expect(q.size).toBe(1);
  });

  it('replaces an entry by packet id in place (PUBREL after PUBREC) and clears the oldest of two sharing an id', () => {
    const q = new OutgoingQueue<P>();
    q.enqueue({ brokerId: 'b', brokerCounter: 1, n: 1 });
    q.enqueue({ brokerId: 'b', brokerCounter: 2, n: 2 });
    q.update({ brokerId: 'b', brokerCounter: 1, messageId: 5, n: 0 });
    q.update({ brokerId: 'b', brokerCounter: 2, messageId: 5, n: 0 });
    expect(q.update({ messageId: 5, n: 99 })).toBe(true);
    expect(q.snapshot().map((p) => p.n)).toEqual([99, 2]);
    expect(q.clear(5)?.n).toBe(99);
    expect(q.clear(5)?.n).toBe(2);
    expect(q.size).toBe(0);
  });

  it('behaves as the array it replaces for any sequence of calls', () => {
    const op = fc.oneof(
      fc.record({
        k: fc.constant('enqueue' as const),
        broker: fc.constantFrom('a', 'b'),
        id: fc.option(fc.integer({ min: 1, max: 6 }), { nil: undefined }),
      }),
      fc.record({
        k: fc.constant('update' as const),
        broker: fc.constantFrom('a', 'b'),
        counter: fc.integer({ min: 0, max: 40 }),
        id: fc.integer({ min: 1, max: 6 }),
      }),
      fc.record({ k: fc.constant('pubrel' as const), id: fc.integer({ min: 1, max: 6 }) }),
      fc.record({
        k: fc.constant('clear' as const),
        id: fc.option(fc.integer({ min: 1, max: 6 }), { nil: undefined }),
      }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 80 }), (ops) => {
        const q = new OutgoingQueue<P>();
        const model = new ArrayModel();
        let counter = 0;
        let n = 0;
        for (const o of ops) {
          if (o.k === 'enqueue') {
            const p = { brokerId: o.broker, brokerCounter: counter++, messageId: o.id, n: ++n };
            q.enqueue({ ...p });
            model.enqueue({ ...p });
          } else if (o.k === 'update') {
            const p = { brokerId: o.broker, brokerCounter: o.counter, messageId: o.id, n: ++n };
            expect(q.update({ ...p })).toBe(model.update({ ...p }));
          } else if (o.k === 'pubrel') {
            const p = { messageId: o.id, n: ++n };
            expect(q.update({ ...p })).toBe(model.update({ ...p }));
          } else {
            expect(q.clear(o.id)?.n).toBe(model.clear(o.id)?.n);
          }
          expect(q.snapshot().map((p) => [p.n, p.messageId])).toEqual(model.items.map((p) => [p.n, p.messageId]));
        }
      }),
      { numRuns: 2000 },
    );
  });
});
