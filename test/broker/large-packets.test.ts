import { describe, expect, it } from 'vitest';
import { makeWorkspace, startBroker } from '../helpers/workspace.js';
import { useBrokerSuite } from '../helpers/mesh.js';

// Large packets under the limit, interleaved with small ones on one TLS connection, must all
// flow: the size guard in front of Aedes once stalled such a connection until keepalive expired.
describe('packets below the size limit', () => {
  const suite = useBrokerSuite('test');

  it('large and small publishes on one connection are all delivered, in order', async () => {
    const topic = `mam/v1/${suite.ctx.cfg.namespace}/jobs/J1/events`;
    const reader = await suite.connect('reader');
    const writer = await suite.connect('operator');
    const got: number[] = [];
    const all = new Promise<void>((resolve) => {
      reader.mqtt.on('message', (_t, payload) => {
        got.push(payload.readUInt32BE(0));
        if (got.length === 40) resolve();
      });
    });
    await reader.mqtt.subscribeAsync(topic, { qos: 1 });
    const sends: Promise<void>[] = [];
    for (let i = 0; i < 40; i++) {
      const size = i % 2 === 0 ? 70 * 1024 : 64;
      const payload = Buffer.alloc(size, 0x61);
      payload.writeUInt32BE(i, 0);
      sends.push(writer.publish(topic, payload, { qos: 1 }));
    }
    await Promise.all(sends);
    await Promise.race([
      all,
      new Promise((_, reject) =>
        setTimeout(() => reject(new Error(`only ${got.length}/40 delivered in 10 s`)), 10_000),
      ),
    ]);
    expect(got).toEqual(Array.from({ length: 40 }, (_, i) => i));
  });

  it('a broker with a client mid-handshake still closes promptly', async () => {
    const tw2 = await makeWorkspace();
    const b = await startBroker(tw2);
    const { connect } = await import('node:net');
    const bare = connect(b.port, '127.0.0.1'); // TCP only: never completes TLS or MQTT CONNECT
    await new Promise((r) => bare.once('connect', r));
    const started = Date.now();
    await b.close();
    expect(Date.now() - started).toBeLessThan(3000);
    bare.destroy();
    tw2.cleanup();
  });
});
