/**
 * The contract subscriber/deferred-pubacks.ts relies on, checked against the
 * installed mqtt.js and a real broker: a held PUBACK is not sent (the broker
 * redelivers the message to the durable session after a reconnect), a
 * released one is (no redelivery), and the pinned mqtt version is the one
 * installed. An mqtt.js upgrade that changes where PUBACKs are written fails here.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { connectClient, type MeshClient } from '../../broker/client.js';
import { reconcilerClientId } from '../../broker/client-ids.js';
import { deferPubacks } from '../../subscriber/deferred-pubacks.js';
import { eventually, useBrokerSuite } from '../helpers/mesh.js';

const NS = 'pubacks';
const topic = `mam/v1/${NS}/jobs/j1/events`;
const s = useBrokerSuite(NS);

/** A durable reconciler session whose PUBACKs are held, recording what arrives. */
async function durable(clientId: string) {
  const received: Array<{ payload: string; messageId?: number }> = [];
  let acks!: ReturnType<typeof deferPubacks>;
  const client: MeshClient = await connectClient({
    url: s.broker.url,
    ca: s.ctx.endpoint.ca,
    ...s.ctx.creds.reconciler,
    clientId,
    clean: false,
    reconnectMs: 0,
    prepare: (c) => {
      acks = deferPubacks(c);
      c.on('message', (_t, payload, packet) =>
        received.push({ payload: payload.toString(), messageId: packet.messageId }),
      );
    },
  });
  await client.mqtt.subscribeAsync(topic, { qos: 1 });
  return { client, received, acks: () => acks };
}

describe('deferred PUBACKs (mqtt.js contract)', () => {
  it('pins the installed mqtt version exactly', () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    const installed = (createRequire(import.meta.url)('mqtt/package.json') as { version: string }).version;
    expect(pkg.dependencies.mqtt).toBe(installed);
  });

  it('holds a PUBACK until released: held → redelivered after reconnect, released → not', async () => {
    // This host's reconciler's durable session id: the only one its login (host:<host>) may use.
    const id = reconcilerClientId(NS, s.ctx.cfg.host);
    const first = await durable(id);
    expect(await s.publishes('operator', topic, 'm1')).toBe(true);
    await eventually(() => expect(first.received.map((m) => m.payload)).toEqual(['m1']));
    await first.client.close();

    // Never acknowledged: the broker redelivers it to the same durable session.
    const second = await durable(id);
    await eventually(() => expect(second.received.map((m) => m.payload)).toContain('m1'));
    const acks = second.acks();
    acks.release(second.received.map((m) => ({ messageId: m.messageId, connection: acks.connection() })));
    // A round trip after the release: the PUBACK has reached the broker before the disconnect.
    await second.client.mqtt.subscribeAsync(topic, { qos: 1 });
    await second.client.close();

    const third = await durable(id);
    expect(await s.publishes('operator', topic, 'marker')).toBe(true);
    await eventually(() => expect(third.received.map((m) => m.payload)).toContain('marker'));
    expect(third.received.map((m) => m.payload)).not.toContain('m1');
    await third.client.close();
  });
});
