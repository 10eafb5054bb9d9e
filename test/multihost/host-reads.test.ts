/**
 * Least privilege on reads: a joined host's login (B) reads every host's
 * status, its own control topic and its own jobs' topics, and nothing of
 * another host's (C's) jobs or control, whatever filter it subscribes with.
 * The admin's reconciler, an operator host and the reader read everything.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectClient, type MeshClient } from '../../broker/client.js';
import type { Login } from '../../core/credentials.js';
import { prefix, topics } from '../../core/topics.js';
import { eventually, grantedFor, subscribeAll, type Received } from '../helpers/mesh.js';
import { addHostLogins } from '../helpers/host-login.js';
import { publishAll, sealCreate, startMesh, type Mesh } from '../helpers/reconciler.js';

let m: Mesh;
let logins: Record<string, Login> = {};
const clients: MeshClient[] = [];

async function connectWith(login: Login): Promise<MeshClient> {
  const c = await connectClient({ url: m.broker.url, ca: m.ctx.endpoint.ca, ...login, reconnectMs: 0 });
  clients.push(c);
  return c;
}

beforeAll(async () => {
  m = await startMesh();
  logins = await addHostLogins(m.tw, [['B'], ['C'], ['O', '--operator']]);
  await publishAll(await m.connect('operator'), [sealCreate(m, 'JB', 'B'), sealCreate(m, 'JC', 'C')]);
  // A retained state of each job, as its host's reconciler leaves it.
  const admin = await m.connect('reconciler');
  for (const job of ['JB', 'JC'])
    await admin.publish(topics.state('rec', job), `state of ${job}`, { qos: 1, retain: true });
}, 60_000);

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close().catch(() => {})));
  await m?.close();
});

/** Every message a login receives through `#` while C's and B's jobs and controls get one each, then a marker on JB. */
async function readThroughWildcard(login: Login): Promise<Received[]> {
  const c = await connectWith(login);
  const { messages, granted } = await subscribeAll(c, [`${prefix('rec')}/#`]);
  expect(granted).toEqual([1]);
  const op = await m.connect('operator');
  for (const t of [
    topics.events('rec', 'JC'),
    topics.verdicts('rec', 'JC'),
    topics.control('rec', 'C'),
    topics.events('rec', 'JB'),
    topics.control('rec', 'B'),
  ])
    await op.publish(t, `to ${t}`, { qos: 1 });
  const marker = topics.events('rec', 'JB');
  await op.publish(marker, 'marker', { qos: 1 });
  await eventually(() => expect(messages.some((x) => x.payload.toString() === 'marker')).toBe(true));
  return messages;
}

const ofC = (seen: Received[]) => seen.filter((x) => /\/(JC|C)\//.test(x.topic)).map((x) => x.topic);

describe("a joined host's login", () => {
  it("is refused a subscription naming C's job or control topics", async () => {
    const b = await connectWith(logins.B);
    for (const f of [
      topics.events('rec', 'JC'),
      topics.state('rec', 'JC'),
      topics.output('rec', 'JC'),
      `${prefix('rec')}/jobs/JC/#`,
      topics.verdicts('rec', 'JC'),
      topics.control('rec', 'C'),
      `${prefix('rec')}/hosts/C/#`,
    ])
      expect(await grantedFor(b, f), f).toBe(128);
    for (const f of [
      topics.state('rec', 'JB'),
      `${prefix('rec')}/jobs/JB/#`,
      topics.control('rec', 'B'),
      topics.status('rec', 'C'),
      `${prefix('rec')}/hosts/+/status`,
    ])
      expect(await grantedFor(b, f), f).toBe(1);
  });

  it("receives nothing of C's through a wildcard (retained state included), and its own job's messages", async () => {
    const seen = await readThroughWildcard(logins.B);
    expect(ofC(seen)).toEqual([]);
    const topicsSeen = seen.map((x) => x.topic);
    expect(topicsSeen).toContain(topics.state('rec', 'JB'));
    expect(topicsSeen).toContain(topics.control('rec', 'B'));
  });

  it("of the admin, of an operator host, and the reader receive C's messages", async () => {
    for (const login of [m.ctx.creds.reconciler, logins.O, m.ctx.creds.reader])
      expect(ofC(await readThroughWildcard(login)).length, login.username).toBe(4);
  });
});
