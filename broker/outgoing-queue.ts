/** The fields of an Aedes packet the outgoing queue looks at. */
export interface QueuedPacket {
  brokerId?: string;
  brokerCounter?: number;
  messageId?: number;
}

/**
 * One persistent session's queue of QoS 1/2 deliveries not yet acknowledged,
 * in the order they were queued, with the lookups Aedes makes for every
 * delivery (by broker counter) and every PUBACK (by packet id) in O(1).
 * The reconciler holds its PUBACKs until its commit, so thousands of
 * deliveries can wait here at once: a scan per delivery and per PUBACK
 * (what Aedes's in-memory persistence does) makes the broker's cost per
 * message grow with that backlog.
 *
 * Entries sit in a Map by slot, a number growing with queue order, so the
 * smallest slot is the oldest. Lookups are numeric maps: no key strings or
 * arrays are made per message, the broker's hottest path.
 */
export class OutgoingQueue<P extends QueuedPacket> {
  private readonly entries = new Map<number, P>();
  /** broker id → broker counter → slot */
  private readonly byCounter = new Map<string, Map<number, number>>();
  /** packet id → slot, or slots oldest first when ids wrapped (65,535) and two entries share one */
  private readonly byMessageId = new Map<number, number | number[]>();
  private next = 0;

  get size(): number {
    return this.entries.size;
  }

  enqueue(packet: P): void {
    const slot = this.next++;
    this.entries.set(slot, packet);
    this.setCounter(packet, slot);
    if (packet.messageId !== undefined) this.index(packet.messageId, slot);
  }

  /**
   * A delivery got its packet id (same broker and counter), or a packet id's
   * entry is replaced by the packet given: a PUBREL (no broker id) replaces
   * the oldest entry holding its id, a packet of another broker the oldest
   * such entry of a broker other than its own. The first of these in queue
   * order wins, as in a scan. False when nothing matched.
   */
  update(packet: P): boolean {
    const own =
      packet.brokerId === undefined ? undefined : this.byCounter.get(packet.brokerId)?.get(packet.brokerCounter!);
    let other: number | undefined;
    if (packet.messageId !== undefined) {
      for (const s of this.slotsOf(packet.messageId)) {
        const another = packet.brokerId === undefined || this.entries.get(s)!.brokerId !== packet.brokerId;
        if (another && (other === undefined || s < other)) other = s;
      }
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
    this.deleteCounter(this.entries.get(other)!, other);
    this.entries.set(other, packet);
    this.setCounter(packet, other);
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
      const held = this.byMessageId.get(messageId);
      slot = typeof held === 'number' ? held : held && Math.min(...held);
    }
    if (slot === undefined) return undefined;
    const entry = this.entries.get(slot)!;
    this.entries.delete(slot);
    this.deleteCounter(entry, slot);
    if (entry.messageId !== undefined) this.unindex(entry.messageId, slot);
    return entry;
  }

  /** Every entry in queue order (a copy: the queue may change while it is read). */
  snapshot(): P[] {
    return [...this.entries.values()];
  }

  private setCounter(p: QueuedPacket, slot: number) {
    if (p.brokerId === undefined) return;
    let counters = this.byCounter.get(p.brokerId);
    if (!counters) this.byCounter.set(p.brokerId, (counters = new Map()));
    counters.set(p.brokerCounter!, slot);
  }

  private deleteCounter(p: QueuedPacket, slot: number) {
    const counters = p.brokerId === undefined ? undefined : this.byCounter.get(p.brokerId);
    if (counters?.get(p.brokerCounter!) === slot) counters.delete(p.brokerCounter!);
  }

  private slotsOf(messageId: number): readonly number[] {
    const held = this.byMessageId.get(messageId);
    return held === undefined ? [] : typeof held === 'number' ? [held] : held;
  }

  private index(messageId: number, slot: number) {
    const held = this.byMessageId.get(messageId);
    if (held === undefined) this.byMessageId.set(messageId, slot);
    else if (typeof held === 'number') {
      if (held !== slot) this.byMessageId.set(messageId, [held, slot]);
    } else if (!held.includes(slot)) held.push(slot);
  }

  private unindex(messageId: number, slot: number) {
    const held = this.byMessageId.get(messageId);
    if (held === slot) this.byMessageId.delete(messageId);
    else if (Array.isArray(held)) {
      const rest = held.filter((s) => s !== slot);
      if (rest.length === 1) this.byMessageId.set(messageId, rest[0]);
      else this.byMessageId.set(messageId, rest);
    }
  }
}
