import type { MqttClient } from 'mqtt';

interface PubackPacket {
  cmd: 'puback';
  messageId: number;
}

/**
 * Holds QoS 1 PUBACKs until the reconciler has committed the message.
 * mqtt.js acknowledges from its packet loop and would stall the whole loop if
 * handleMessage deferred its callback, so acknowledgement is taken over at the
 * one point where the PUBACK is written (MqttClient._sendPacket, mqtt 5.x).
 * A crash before the commit leaves the message unacknowledged, and the broker
 * redelivers it to the persistent session: nothing is lost in between.
 * PUBACKs are released in arrival order, as [MQTT-4.6.0-2] requires.
 */
export function deferPubacks(client: MqttClient) {
  const target = client as unknown as { _sendPacket: (packet: unknown, cb?: () => void, ...rest: unknown[]) => void };
  const send = target._sendPacket.bind(client);
  const held = new Map<number, PubackPacket>();
  // Packet ids belong to one connection: after a reconnect the broker redelivers, old PUBACKs must not go out.
  let connection = 0;
  target._sendPacket = (packet, cb, ...rest) => {
    const p = packet as PubackPacket;
    if (p.cmd === 'puback') {
      held.set(p.messageId, p);
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
    /** Sends the held PUBACK of a committed message, if it belongs to the current connection. */
    release(messageId: number | undefined, conn: number): void {
      if (messageId === undefined || conn !== connection) return;
      const p = held.get(messageId);
      if (p) {
        held.delete(messageId);
        send(p);
      }
    },
  };
}
