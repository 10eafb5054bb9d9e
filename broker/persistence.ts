import { createRequire } from 'node:module';
import { Readable } from 'node:stream';
import type { AedesPersistence } from 'aedes-persistence';
import { OutgoingQueue, type QueuedPacket } from './outgoing-queue.js';

const require = createRequire(import.meta.url);
type Packet = QueuedPacket & Record<string, unknown>;
type Client = { id: string };
interface MemoryPersistence {
  outgoingEnqueue(sub: { clientId: string }, packet: Packet): Promise<void>;
  outgoingEnqueueCombi(subs: Array<{ clientId: string }>, packet: Packet): Promise<void>;
  outgoingUpdate(client: Client, packet: Packet): Promise<void>;
  outgoingClearMessageId(client: Client, packet: Packet): Promise<Packet | undefined>;
  outgoingStream(client: Client): Readable;
}
// aedes-persistence's in-memory store (async API), its callback layer, and the packet copy Aedes expects.
const AsyncMemoryPersistence = require('aedes-persistence/asyncPersistence.js') as new (opts?: object) => MemoryPersistence;
const { CallBackPersistence } = require('aedes-persistence/callBackPersistence.js') as {
  CallBackPersistence: new (factory: (opts: object) => MemoryPersistence, opts?: object) => AedesPersistence;
};
const AedesPacket = (require('aedes-persistence') as { Packet: new (packet: Packet) => Packet }).Packet;

/** aedes-persistence's in-memory store with each session's outgoing queue kept in an OutgoingQueue. */
class IndexedMemoryPersistence extends AsyncMemoryPersistence {
  private readonly queues = new Map<string, OutgoingQueue<Packet>>();

  private queue(clientId: string): OutgoingQueue<Packet> {
    let q = this.queues.get(clientId);
    if (!q) this.queues.set(clientId, (q = new OutgoingQueue()));
    return q;
  }

  override async outgoingEnqueue(sub: { clientId: string }, packet: Packet) {
    this.queue(sub.clientId).enqueue(new AedesPacket(packet));
  }

  override async outgoingEnqueueCombi(subs: Array<{ clientId: string }>, packet: Packet) {
    for (const sub of subs) this.queue(sub.clientId).enqueue(new AedesPacket(packet));
  }

  override async outgoingUpdate(client: Client, packet: Packet) {
    if (!this.queues.get(client.id)?.update(packet)) throw new Error('no such packet');
  }

  override async outgoingClearMessageId(client: Client, packet: Packet) {
    return this.queues.get(client.id)?.clear(packet.messageId);
  }

  override outgoingStream(client: Client): Readable {
    return Readable.from(this.queues.get(client.id)?.snapshot() ?? []);
  }
}

/** The broker's persistence: in memory, as Aedes's default, with O(1) outgoing lookups. */
export function createPersistence(): AedesPersistence {
  return new CallBackPersistence((opts) => new IndexedMemoryPersistence(opts));
}
