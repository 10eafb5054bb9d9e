import { readFileSync } from 'node:fs';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newClientId } from '../../broker/client-ids.js';
import { workspaceHosts } from '../../broker/host-logins.js';
import { createBroker, type RunningBroker } from '../../broker/server.js';
import { silentLogger } from '../../core/logger.js';
import { makeWorkspace, type TestWorkspace } from '../helpers/workspace.js';

// The optional WebSocket-over-TLS listener: same logins, same ACL, same pinned CA.
describe('WSS listener', () => {
  let tw: TestWorkspace;
  let broker: RunningBroker;

  beforeAll(async () => {
    tw = await makeWorkspace();
    const ctx = tw.context();
    broker = await createBroker({
      ns: ctx.cfg.namespace,
      credentials: ctx.creds,
      tls: { cert: readFileSync(ctx.ws.serverCert), key: readFileSync(ctx.ws.serverKey) },
      bind: '127.0.0.1',
      port: 0,
      wssPort: 0,
      maxPacketBytes: ctx.cfg.broker.maxPacketBytes,
      maxTopicLevels: ctx.cfg.broker.maxTopicLevels,
      logger: silentLogger,
      hosts: workspaceHosts(ctx, silentLogger),
    });
  });
  afterAll(async () => {
    await broker.close();
    tw.cleanup();
  });

  it('is off unless asked for, and answers wss with a valid login when on', async () => {
    expect(broker.wssPort).toBeGreaterThan(0);
    const ctx = tw.context();
    const client = await mqtt.connectAsync(`wss://localhost:${broker.wssPort}`, {
      ca: ctx.endpoint.ca,
      rejectUnauthorized: true,
      username: 'reader',
      password: ctx.creds.reader.password,
      clientId: newClientId('reader'),
      reconnectPeriod: 0,
    });
    const granted = await client.subscribeAsync(`mam/v1/${ctx.cfg.namespace}/jobs/+/state`, { qos: 1 });
    expect(granted[0].qos).toBe(1);
    await client.endAsync();
  });

  it('refuses a wrong password over wss', async () => {
    const ctx = tw.context();
    await expect(
      mqtt.connectAsync(
        `wss://localhost:${broker.wssPort}`,
        { ca: ctx.endpoint.ca, rejectUnauthorized: true, username: 'reader', password: 'wrong', reconnectPeriod: 0 },
        false,
      ),
    ).rejects.toThrow(/Bad username or password|Not authorized/i);
  });
});
