/**
 * The create → done → verified termination round trip with a 3-node NATS
 * JetStream cluster as the broker (MQTT 3.1.1 over TLS), mam's roles as NATS
 * users, the host listing every node in broker.urls.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { connectClient } from '../../broker/client.js';
import { sharedAgentLogin } from '../../core/credentials.js';
import { topics } from '../../core/topics.js';
import { startHost, type TestHost } from '../helpers/host/index.js';
import { NATS_SERVER, startNatsCluster, type NatsCluster, type NatsUser } from '../helpers/nats.js';
import { waitFor } from '../helpers/wait.js';
import type { TestWorkspace } from '../helpers/workspace.js';

// In CI a missing nats-server is a broken image, never a reason to pass: the suite runs and fails.
const skip = !NATS_SERVER && process.env.CI !== 'true';
const title = skip
  ? 'NATS JetStream cluster as the broker (skipped: nats-server not installed; CI=true makes this fail)'
  : 'NATS JetStream cluster as the broker';

let nats: NatsCluster | undefined;
let h: TestHost | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
  await nats?.stop();
  nats = undefined;
});

/**
 * mam's ACL table (docs/PROTOCOL.md) in NATS subjects. An MQTT client's QoS 1 subscriptions need
 * $MQTT.sub.>, and a filter a/# is the subjects a.> and a itself.
 */
export function natsUsers(tw: TestWorkspace): NatsUser[] {
  const c = tw.context();
  const ns = `mam.v1.${c.cfg.namespace}`;
  const mqtt = '$MQTT.sub.>';
  return [
    { ...login(c.creds.reconciler), publish: [`${ns}.>`, mqtt], subscribe: [ns, `${ns}.>`, mqtt] },
    {
      ...login(c.creds.operator),
      publish: [`${ns}.jobs.*.events`, `${ns}.reviews.*.verdicts`, `${ns}.hosts.*.control`, mqtt],
      subscribe: [ns, `${ns}.>`, mqtt],
    },
    { ...login(c.creds.reader), publish: [mqtt], subscribe: [ns, `${ns}.>`, mqtt] },
    {
      ...login(sharedAgentLogin(c.creds)),
      publish: [`${ns}.jobs.*.events`, `${ns}.reviews.*.verdicts`, mqtt],
      subscribe: [`${ns}.jobs.*.state`, mqtt],
    },
  ];
}

function login(l: { username: string; password: string }) {
  return { user: l.username, password: l.password };
}

/** JetStream elects its leaders after the MQTT ports open: wait until an operator's QoS 1 publish is acknowledged. */
async function ready(tw: TestWorkspace, urls: string[]): Promise<void> {
  const c = tw.context();
  const until = Date.now() + 30_000;
  for (const url of urls) {
    for (;;) {
      const ok = await connectClient({
        url,
        ca: c.endpoint.ca,
        ...c.creds.operator,
        reconnectMs: 0,
        connectTimeoutMs: 3000,
      })
        .then(async (client) => {
          await client.publish(topics.events(c.cfg.namespace, 'ready'), 'x', { qos: 1 });
          await client.close();
          return true;
        })
        .catch(() => false);
      if (ok) break;
      if (Date.now() > until) throw new Error(`NATS MQTT not ready at ${url}:\n${nats?.log()}`);
      await sleep(250);
    }
  }
}

describe.skipIf(skip)(title, () => {
  it('create → done → verified termination through a 3-node NATS cluster', async () => {
    h = await startHost({
      async externalBroker(tw) {
        nats = await startNatsCluster(tw.context().ws, natsUsers(tw));
        await ready(tw, nats.urls);
        return { config: { urls: nats.urls, agentLogin: 'shared' }, stop: async () => {} };
      },
    });
    const { id } = await h.createJob({ expect: ['out.txt'], cli: true, id: `nats-${Date.now()}` });
    const job = await h.waitJob(id, (j) => j.state === 'done', 'done');
    expect(job.gen).toBe(1);
    await waitFor(() => !!h!.session(id)?.ended_at, 15_000, `the session of ${id} to be ended`).catch((e: Error) => {
      throw new Error(`${e.message}\n${h!.logs()}\n${nats?.log()}`);
    });
    const ended = h.session(id)!;
    expect(ended.end_reason).toMatch(/^job\.done \(seq \d+ from agent\)$/);
    expect(await h.sessionAlive(ended)).toBe(false);
    expect(h.rejections(id)).toEqual([]);
  }, 120_000);
});
