import { Readable } from 'node:stream';
import aedesPersistence, { type AedesPersistence, type Packet } from 'aedes-persistence';
import { OutgoingQueue } from './outgoing-queue.js';

type Client = { id: string };
// A CommonJS package: Node's default import is its module.exports, the factory (typed as a namespace).
const memoryPersistence = aedesPersistence as unknown as (() => AedesPersistence) & {
  Packet: new (p: Packet) => Packet;
};
type Done = (err: Error | null, ...rest: unknown[]) => void;

/**
 * The broker's persistence: aedes-persistence's in-memory store (its public
 * default export, passed to Aedes through the documented `persistence`
 * option) with the five outgoing-queue methods of the documented
 * AedesPersistence interface answered by an OutgoingQueue per session. The
 * store's own queue scans every entry per delivery and per PUBACK; the
 * reconciler holds its PUBACKs until its commit, so thousands of deliveries
 * wait at once and that scan made the cost per message grow with the backlog.
 */
export function createPersistence(): AedesPersistence {
  const store = memoryPersistence();
  const queues = new Map<string, OutgoingQueue<Packet>>();
  const queue = (clientId: string) => {
    let q = queues.get(clientId);
    if (!q) queues.set(clientId, (q = new OutgoingQueue()));
    return q;
  };
  // Aedes hands one packet object to every subscriber: each queue keeps its own copy (as the store does).
  const copy = (packet: Packet) => new memoryPersistence.Packet(packet);
  // Aedes 1.x calls these without a callback and awaits the promise; the callback form stays for other callers.
  const settle = <T>(work: () => T, cb?: Done, args: (v: T) => unknown[] = (v) => [v]): Promise<T> | undefined => {
    const p = new Promise<T>((resolve) => resolve(work()));
    if (!cb) return p;
    p.then(
      (v) => process.nextTick(cb, null, ...args(v)),
      (err: Error) => process.nextTick(cb, err),
    );
    return undefined;
  };
  const outgoing = {
    outgoingEnqueue(sub: { clientId: string }, packet: Packet, cb?: Done) {
      return settle(() => (queue(sub.clientId).enqueue(copy(packet)), packet), cb);
    },
    outgoingEnqueueCombi(subs: Array<{ clientId: string }>, packet: Packet, cb?: Done) {
      return settle(() => {
        for (const sub of subs) queue(sub.clientId).enqueue(copy(packet));
        return packet;
      }, cb);
    },
    outgoingUpdate(client: Client, packet: Packet, cb?: Done) {
      const update = () => {
        if (!queues.get(client.id)?.update(packet)) throw new Error('no such packet');
      };
      return settle(update, cb, () => [client, packet]);
    },
    outgoingClearMessageId(client: Client, packet: Packet, cb?: Done) {
      return settle(() => queues.get(client.id)?.clear(packet.messageId), cb);
    },
    outgoingStream(client: Client): Readable {
      return Readable.from(queues.get(client.id)?.snapshot() ?? []);
    },
  };
  return Object.assign(store, outgoing as unknown as Partial<AedesPersistence>);
}
