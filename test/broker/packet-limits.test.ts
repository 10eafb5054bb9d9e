import { beforeEach, describe, expect, it } from 'vitest';
import { topics } from '../../core/topics.js';
import { eventually, flushThrough, grantedFor, subscribeAll, useBrokerSuite, type Received } from '../helpers/mesh.js';

const NS = 'limits';
const MAX_PACKET = 4096;
const MAX_LEVELS = 8;

// The config loader requires events.maxMessageBytes to fit in one packet (less 256 bytes of header and topic).
const suite = useBrokerSuite(NS, {
  config: {
    broker: { maxPacketBytes: MAX_PACKET, maxTopicLevels: MAX_LEVELS },
    events: { maxMessageBytes: MAX_PACKET - 256 },
  },
});
let seen: Received[];

beforeEach(async () => {
  seen = (await subscribeAll(await suite.connect('reader'), [topics.allJobEvents(NS)])).messages;
});

const publishes = (topic: string, payload: Buffer) => suite.publishes('operator', topic, payload);

describe('packet size limit', () => {
  it('delivers a publish just under broker.maxPacketBytes', async () => {
    const payload = Buffer.alloc(MAX_PACKET - 200, 'a');
    expect(await publishes(topics.events(NS, 'J'), payload)).toBe(true);
    await eventually(() => expect(seen.map((m) => m.payload.length)).toContain(payload.length));
  });

  it.each([MAX_PACKET + 1, 64 * 1024, 2 * 1024 * 1024])(
    'drops the connection for a %i-byte payload and never delivers it',
    async (size) => {
      expect(await publishes(topics.events(NS, 'BIG'), Buffer.alloc(size, 'b'))).toBe(false);
      // The connection is gone, but the broker still serves others: a small marker arrives, the big one never.
      await flushThrough(suite, seen, topics.events(NS, 'MARK'));
      expect(seen.map((m) => m.topic)).not.toContain(topics.events(NS, 'BIG'));
    },
  );

  it('counts the whole packet, not just the payload', async () => {
    // Payload alone fits; topic and header push the packet over the limit.
    const topic = topics.events(NS, 'T'.repeat(64));
    const payload = Buffer.alloc(MAX_PACKET - 40, 'c');
    expect(await publishes(topic, payload)).toBe(false);
  });
});

describe('topic level limit', () => {
  const deep = (levels: number) =>
    [`mam/v1/${NS}/jobs`, ...Array.from({ length: levels - 4 }, (_, i) => `l${i}`)].join('/');

  it(`grants a reader filter of ${MAX_LEVELS} levels and refuses ${MAX_LEVELS + 1}`, async () => {
    const reader = await suite.connect('reader');
    expect(deep(MAX_LEVELS).split('/')).toHaveLength(MAX_LEVELS);
    expect(await grantedFor(reader, deep(MAX_LEVELS))).toBe(1);
    // Aedes answers a filter past maxTopicLevels by dropping the client, not with a SUBACK.
    expect(await grantedFor(reader, deep(MAX_LEVELS + 1))).not.toBe(1);
    expect(reader.mqtt.connected).toBe(false);
  });

  it(`refuses a publish on a topic of ${MAX_LEVELS + 1} levels`, async () => {
    const topic = deep(MAX_LEVELS + 1);
    expect(await publishes(topic, Buffer.from('deep'))).toBe(false);
  });
});
