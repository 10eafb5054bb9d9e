import { beforeEach, describe, expect, it } from 'vitest';
import { topics } from '../../core/topics.js';
import {
  eventually,
  flushThrough,
  grantedFor,
  subscribeAll,
  useBrokerSuite,
  type Received,
  type Who,
} from '../helpers/mesh.js';

const NS = 'acl';
const REFUSED = 128; // SUBACK failure [MQTT-3.9.3]

const suite = useBrokerSuite(NS);
let seen: Received[];

// A reader on every topic of the namespace witnesses what the broker let through.
beforeEach(async () => {
  const sub = await subscribeAll(await suite.connect('reader'), [`mam/v1/${NS}/#`]);
  expect(sub.granted).toEqual([1]);
  seen = sub.messages;
});

const published = (who: Who, topic: string, payload = `from ${JSON.stringify(who)}`) =>
  suite.publishes(who, topic, payload);

async function expectNotDelivered(payload: string): Promise<void> {
  await flushThrough(suite, seen, topics.events(NS, 'MARK'));
  expect(seen.map((m) => m.payload.toString())).not.toContain(payload);
}

describe('publish ACL', () => {
  it("lets an agent publish its own job's events", async () => {
    expect(await published({ agent: 'A' }, topics.events(NS, 'A'), 'own')).toBe(true);
    await eventually(() => expect(seen.map((m) => m.payload.toString())).toContain('own'));
  });

  it("refuses an agent of job A publishing to job B's events, and never delivers it", async () => {
    expect(await published({ agent: 'A' }, topics.events(NS, 'B'), 'forged-for-B')).toBe(false);
    await expectNotDelivered('forged-for-B');
  });

  it("refuses an agent publishing its own job's state (reconciler only)", async () => {
    expect(await published({ agent: 'A' }, topics.state(NS, 'A'), 'agent-state')).toBe(false);
    await expectNotDelivered('agent-state');
  });

  it("refuses an agent publishing its own job's escalations (reconciler only)", async () => {
    expect(await published({ agent: 'A' }, topics.escalations(NS, 'A'), 'agent-escalation')).toBe(false);
    await expectNotDelivered('agent-escalation');
  });

  it.each([topics.events(NS, 'J'), topics.state(NS, 'J'), topics.escalations(NS, 'J'), topics.control(NS, 'h1')])(
    'refuses the reader publishing to %s',
    async (topic) => {
      const payload = `reader-${topic}`;
      expect(await published('reader', topic, payload)).toBe(false);
      await expectNotDelivered(payload);
    },
  );

  it('refuses the operator publishing job state and escalations', async () => {
    expect(await published('operator', topics.state(NS, 'X'), 'operator-state')).toBe(false);
    expect(await published('operator', topics.escalations(NS, 'X'), 'operator-escalation')).toBe(false);
    await expectNotDelivered('operator-state');
    await expectNotDelivered('operator-escalation');
  });

  it('lets the operator publish events and host control', async () => {
    expect(await published('operator', topics.events(NS, 'X'), 'op-event')).toBe(true);
    expect(await published('operator', topics.control(NS, 'h1'), 'op-control')).toBe(true);
    await eventually(() =>
      expect(seen.map((m) => m.payload.toString())).toEqual(expect.arrayContaining(['op-event', 'op-control'])),
    );
  });

  it('lets the reconciler publish job state, escalations, output and host status, and re-send events and host control', async () => {
    const c = await suite.connect('reconciler');
    await c.publish(topics.state(NS, 'X'), 'state-X', { qos: 1, retain: true });
    await c.publish(topics.escalations(NS, 'X'), 'escalation-X', { qos: 1, retain: true });
    await c.publish(topics.output(NS, 'X'), 'output-X', { qos: 1 });
    await c.publish(topics.status(NS, 'h1'), 'status-h1', { qos: 1 });
    await c.publish(topics.events(NS, 'X'), 'resent-event-X', { qos: 1 });
    await c.publish(topics.control(NS, 'h1'), 'resent-control-h1', { qos: 1 });
    await eventually(() =>
      expect(seen.map((m) => m.payload.toString())).toEqual(
        expect.arrayContaining([
          'state-X',
          'escalation-X',
          'output-X',
          'status-h1',
          'resent-event-X',
          'resent-control-h1',
        ]),
      ),
    );
  });

  const outside = [
    'mam/v1/other/jobs/X/events',
    '$SYS/x',
    'foo',
    'mam/v1/acl',
    `mam/v1/${NS}/jobs/X/events/extra`,
    `mam/v1/${NS}/jobs/X/bogus`,
  ];
  const roles: Who[] = ['reconciler', 'operator', 'reader', { agent: 'X' }];
  it.each(roles)('refuses %j publishing outside the namespace or off the topic tree', async (who) => {
    for (const topic of outside) expect(await published(who, topic), topic).toBe(false);
  });
});

describe('subscribe ACL', () => {
  it.each([
    '#',
    `mam/v1/${NS}/#`,
    `mam/v1/${NS}/jobs/+/events`,
    topics.state(NS, 'B'),
    topics.output(NS, 'A'),
    'mam/v1/other/jobs/A/state',
  ])('gives an agent of job A a SUBACK failure for %s', async (filter) => {
    const agent = await suite.connect({ agent: 'A' });
    expect(await grantedFor(agent, filter)).toBe(REFUSED);
    // A refused subscription leaves the connection usable.
    expect(await grantedFor(agent, topics.state(NS, 'A'))).toBe(1);
  });

  it("grants an agent its own job's state and events", async () => {
    const agent = await suite.connect({ agent: 'A' });
    expect(await grantedFor(agent, topics.state(NS, 'A'))).toBe(1);
    expect(await grantedFor(agent, topics.events(NS, 'A'))).toBe(1);
  });

  it.each<Who>(['reconciler', 'operator', 'reader'])('confines %s to the namespace', async (who) => {
    const c = await suite.connect(who);
    expect(await grantedFor(c, `mam/v1/${NS}/jobs/+/events`)).toBe(1);
    for (const filter of ['#', '+/v1/#', 'mam/v1/other/#', '$SYS/#', `mam/v1/${NS}`])
      expect(await grantedFor(c, filter), filter).toBe(REFUSED);
  });
});
