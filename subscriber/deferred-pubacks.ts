import type { MqttClient } from 'mqtt';
import { generate } from 'mqtt-packet';

interface PubackPacket {
  cmd: 'puback';
  messageId: number;
}

/**
 * Holds QoS 1 PUBACKs until the reconciler has committed the message.
 * mqtt.js acknowledges from its packet loop and would stall the whole loop if
 * handleMessage deferred its callback, so acknowledgement is taken over at the
 * one point where the PUBACK is written (MqttClient._sendPacket, mqtt 5.x).
 * No public API of mqtt.js acknowledges later without stalling its packet
 * loop (mqttjs/MQTT.js#691 asks for one; `handleMessage` holds the loop), so
 * mqtt is pinned to an exact version in package.json and
 * test/subscriber/deferred-pubacks-contract.test.ts fails on an upgrade that
 * breaks this: a manual-acknowledgement option in mqtt.js would remove it.
 * A crash before the commit leaves the message unacknowledged, and the broker
 * redelivers it to the persistent session: nothing is lost in between.
 * PUBACKs are released in arrival order, as [MQTT-4.6.0-2] requires.
 */
export function deferPubacks(client: MqttClient) {
  const target = client as unknown as { _sendPacket: (packet: unknown, cb?: () => void, ...rest: unknown[]) => void };
  const send = target._sendPacket.bind(client);
  const held = new Set<number>();
  // Packet ids belong to one connection: after a reconnect the broker redelivers, old PUBACKs must not go out.
  let connection = 0;
  target._sendPacket = (packet, cb, ...rest) => {
    const p = packet as PubackPacket;
    if (p.cmd === 'puback') {
      held.add(p.messageId);
      cb?.();
      return;
    }
    send(packet, cb, ...rest);
  };
  client.on('close', () => {
    held.clear();
    connection++;
  });
  return {
    connection: () => connection,
    /**
     * Sends the held PUBACKs of committed messages that belong to the current connection, in the
     * order given, as one write: a batch's acknowledgements leave in one TLS record.
     */
    release(messages: Iterable<{ messageId?: number; connection: number }>): void {
      const ids: number[] = [];
      for (const m of messages) {
        if (m.messageId === undefined || m.connection !== connection || !held.delete(m.messageId)) continue;
        ids.push(m.messageId);
      }
      const stream = client.stream;
      if (ids.length === 0 || !client.connected || !stream?.writable) return;
      stream.write(Buffer.concat(ids.map((messageId) => generate({ cmd: 'puback', messageId }))));
    },
  };
}
