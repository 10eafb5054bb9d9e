import type { IPublishPacket } from 'mqtt';
import { openEnvelope } from '../../core/envelope.js';
import type { Context } from '../../core/context.js';
import type { Logger } from '../../core/logger.js';
import { parseTopic } from '../../core/topics.js';
import type { Registry } from '../registry/registry.js';

type Handler = (packet: IPublishPacket, done: () => void) => void;

export interface StatusBody {
  status: 'online' | 'offline';
  since?: number;
  seen?: number;
  running?: number;
  max?: number;
}

export interface RecordStatusDeps {
  ctx: Context;
  reg: Registry;
  log: Logger;
  closed(): boolean;
}

/**
 * Records the other hosts' signed statuses as they arrive (hosts/<host>/status), with when each
 * was last heard online: a last will carries no time, so its arrival dates the loss. A status this
 * host cannot verify (a joined host holds only its own keys) is left out; it changes nothing else.
 */
export function recordingStatuses(d: RecordStatusDeps, next: Handler): Handler {
  const { cfg, keyring } = d.ctx;
  return (packet, done) => {
    record(packet);
    next(packet, done);
  };
  function record(packet: IPublishPacket): void {
    const t = parseTopic(cfg.namespace, packet.topic);
    // Its own status says nothing this registry does not know.
    if (t?.kind !== 'status' || t.id === cfg.host || d.closed()) return;
    try {
      const o = openEnvelope(
        cfg.namespace,
        packet.topic,
        packet.payload as Buffer,
        keyring,
        cfg.events.maxMessageBytes,
      );
      const body = o.msg.body as unknown as StatusBody;
      const prev = d.reg.hostStatus(t.id);
      const now = Date.now();
      // A retained message is as old as it says; one delivered live is news of now.
      const at = (time: number | undefined) => (packet.retain ? (time ?? null) : now);
      const online = body.status === 'online';
      d.reg.recordHostStatus({
        host: t.id,
        status: body.status,
        since: online
          ? (body.since ?? o.msg.ts)
          : (body.since ?? (packet.retain ? (prev?.status === 'offline' ? prev.since : null) : now)),
        seen: online ? at(body.seen ?? o.msg.ts) : (body.seen ?? prev?.seen ?? null),
        running: body.running ?? null,
        max: body.max ?? null,
        received_at: now,
      });
    } catch (err) {
      d.log.debug('host status not recorded', { topic: packet.topic, error: (err as Error).message });
    }
  }
}
