/** The fields of an Aedes packet the outgoing queue looks at. */
export interface QueuedPacket {
  brokerId?: string;
  brokerCounter?: number;
  messageId?: number;
}

const counterKey = (p: QueuedPacket) => (p.brokerId === undefined ? undefined : `${p.brokerId}:${p.brokerCounter}`);

/**
 * One persistent session's queue of QoS 1/2 deliveries not yet acknowledged,
 * in the order they were queued, with the lookups Aedes makes for every
 * delivery (by broker counter) and every PUBACK (by packet id) in O(1).
 * The reconciler holds its PUBACKs until its commit, so thousands of
 * deliveries can wait here at once: a scan per delivery and per PUBACK
 * (what Aedes's in-memory persistence does) makes the broker's cost per
 * message grow with that backlog.
 */
export class OutgoingQueue<P extends QueuedPacket> {
  private readonly entries = new Map<number, P>();
  private readonly byCounter = new Map<string, number>();
  /** packet id → slots holding it, oldest first (ids wrap at 65,535, so two may share one) */
  private readonly byMessageId = new Map<number, number[]>();
  private next = 0;

  get size(): number {
    return this.entries.size;
  }

  enqueue(packet: P): void {
    const slot = this.next++;
    this.entries.set(slot, packet);
    const key = counterKey(packet);
    if (key !== undefined) this.byCounter.set(key, slot);
    if (packet.messageId !== undefined) this.index(packet.messageId, slot);
  }

  /**
   * A delivery got its packet id (same broker and counter), or a packet id's
   * entry is replaced by the packet given: a PUBREL (no broker id) replaces
   * the oldest entry holding its id, a packet of another broker the oldest
   * such entry of a broker other than its own. False when nothing matched.
   */
  update(packet: P): boolean {
    const key = counterKey(packet);
    const own = key === undefined ? undefined : this.byCounter.get(key);
    // The first match in queue order wins, as in a scan: the entry with this broker counter, or an
    // earlier one of another broker holding this packet id.
    const slots = packet.messageId === undefined ? undefined : this.byMessageId.get(packet.messageId);
    let other: number | undefined;
    for (const s of slots ?? []) {
      const holder = this.entries.get(s)!;
      const another = packet.brokerId === undefined || holder.brokerId !== packet.brokerId;
      if (another && (other === undefined || s < other)) other = s;
    }
    if (own !== undefined && (other === undefined || own < other)) {
      const entry = this.entries.get(own)!;
      if (entry.messageId !== packet.messageId) {
        if (entry.messageId !== undefined) this.unindex(entry.messageId, own);
        entry.messageId = packet.messageId;
        if (packet.messageId !== undefined) this.index(packet.messageId, own);
      }
      return true;
    }
    if (other === undefined) return false;
    const old = this.entries.get(other)!;
    const oldKey = counterKey(old);
    if (oldKey !== undefined && this.byCounter.get(oldKey) === other) this.byCounter.delete(oldKey);
    this.entries.set(other, packet);
    if (key !== undefined) this.byCounter.set(key, other);
    return true;
  }

  /** Removes and returns the oldest entry with this packet id (undefined id: the oldest not yet sent). */
  clear(messageId: number | undefined): P | undefined {
    let slot: number | undefined;
    if (messageId === undefined) {
      for (const [s, p] of this.entries) {
        if (p.messageId === undefined) {
          slot = s;
          break;
        }
      }
    } else {
      const slots = this.byMessageId.get(messageId);
      // Slots grow with queue order: the smallest is the oldest.
      if (slots) slot = slots.length === 1 ? slots[0] : Math.min(...slots);
    }
    if (slot === undefined) return undefined;
    const entry = this.entries.get(slot)!;
    this.entries.delete(slot);
    const key = counterKey(entry);
    if (key !== undefined && this.byCounter.get(key) === slot) this.byCounter.delete(key);
    if (entry.messageId !== undefined) this.unindex(entry.messageId, slot);
    return entry;
  }

  /** Every entry in queue order (a copy: the queue may change while it is read). */
  snapshot(): P[] {
    return [...this.entries.values()];
  }

  private index(messageId: number, slot: number) {
    const slots = this.byMessageId.get(messageId);
    if (!slots) this.byMessageId.set(messageId, [slot]);
    else if (!slots.includes(slot)) slots.push(slot);
  }

  private unindex(messageId: number, slot: number) {
    const slots = this.byMessageId.get(messageId);
    if (!slots) return;
    const i = slots.indexOf(slot);
    if (i >= 0) slots.splice(i, 1);
    if (slots.length === 0) this.byMessageId.delete(messageId);
  }
}
