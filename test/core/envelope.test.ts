import { describe, expect, it } from 'vitest';
import { openEnvelope, sealEnvelope, type Msg } from '../../core/envelope.js';
import { isMamError, type ErrorKey } from '../../core/errors.js';
import { deriveKey, masterKeyring, newKeyFile, rotateKeyFile, singleKeyring } from '../../core/keys.js';
import { topics } from '../../core/topics.js';

const NS = 'env';
const MAX = 65536;
const kf = newKeyFile();
const ring = masterKeyring(kf);
const master = Buffer.from(kf.keys[kf.active]!.secret, 'base64');

function msg(over: Partial<Msg<object>> = {}): Msg<object> {
  return {
    v: 1,
    ns: NS,
    job: 'J1',
    type: 'job.progress',
    sender: 'agent',
    gen: 1,
    seq: 7,
    ts: Date.now(),
    body: { message: 'héllo "world"', percent: 42 },
    ...over,
  };
}

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (isMamError(err)) return err.code;
    throw err;
  }
  return 'opened';
}

const expectCode = (key: ErrorKey, fn: () => unknown) => expect(codeOf(fn)).toBe(`MAM_ERR_${key}`);

/** Rewrites one field of the outer envelope and serialises it properly again. */
function rewrite(payload: Buffer, change: (o: { kid: string; sig: string; msg: string }) => void): Buffer {
  const o = JSON.parse(payload.toString('utf8'));
  change(o);
  return Buffer.from(JSON.stringify(o));
}

describe('sealEnvelope / openEnvelope', () => {
  const topic = topics.events(NS, 'J1');
  const sealed = sealEnvelope(NS, topic, msg(), ring);

  it('round-trips a signed event with its kid and parsed topic', () => {
    const opened = openEnvelope(NS, topic, sealed, ring, MAX);
    expect(opened.kid).toBe(kf.active);
    expect(opened.topic).toEqual({ kind: 'events', id: 'J1' });
    expect(opened.msg).toEqual(msg({ ts: opened.msg.ts }));
    expect(Object.keys(JSON.parse(sealed.toString()))).toEqual(['kid', 'sig', 'msg']);
  });

  it('refuses every single-character change of the signed msg with BAD_SIGNATURE', () => {
    const text: string = JSON.parse(sealed.toString()).msg;
    const codes = new Set<string>();
    for (let i = 0; i < text.length; i++) {
      const other = text[i] === 'x' ? 'y' : 'x';
      const forged = rewrite(sealed, (o) => (o.msg = text.slice(0, i) + other + text.slice(i + 1)));
      codes.add(codeOf(() => openEnvelope(NS, topic, forged, ring, MAX)));
    }
    expect([...codes]).toEqual(['MAM_ERR_BAD_SIGNATURE']);
  });

  it('refuses a changed signature', () => {
    const forged = rewrite(sealed, (o) => (o.sig = (o.sig[0] === 'A' ? 'B' : 'A') + o.sig.slice(1)));
    expectCode('BAD_SIGNATURE', () => openEnvelope(NS, topic, forged, ring, MAX));
  });

  it("refuses the envelope replayed onto another job's topic", () => {
    expectCode('BAD_SIGNATURE', () => openEnvelope(NS, topics.events(NS, 'J2'), sealed, ring, MAX));
    expectCode('BAD_SIGNATURE', () => openEnvelope(NS, topics.events(NS, 'J1x'), sealed, ring, MAX));
  });

  it('refuses an unknown kid', () => {
    const forged = rewrite(sealed, (o) => (o.kid = o.kid === 'kdeadbeef' ? 'kbeefdead' : 'kdeadbeef'));
    expectCode('UNKNOWN_KEY_ID', () => openEnvelope(NS, topic, forged, ring, MAX));
  });

  it('refuses what is not an envelope with BAD_ENVELOPE', () => {
    expectCode('BAD_ENVELOPE', () => openEnvelope(NS, topic, Buffer.from('not json'), ring, MAX));
    expectCode('BAD_ENVELOPE', () =>
      openEnvelope(
        NS,
        topic,
        rewrite(sealed, (o) => Object.assign(o, { extra: 1 })),
        ring,
        MAX,
      ),
    );
    expectCode('BAD_ENVELOPE', () => openEnvelope(NS, topic, Buffer.from('[1,2,3]'), ring, MAX));
  });

  it('refuses an oversize payload before looking inside', () => {
    expectCode('OVERSIZE', () => openEnvelope(NS, topic, sealed, ring, sealed.length - 1));
    expect(openEnvelope(NS, topic, sealed, ring, sealed.length).msg.seq).toBe(7);
    expectCode('OVERSIZE', () => openEnvelope(NS, topic, Buffer.alloc(MAX + 1, ' '), ring, MAX));
  });

  it('refuses a correctly signed msg whose job is not the topic job', () => {
    const other = sealEnvelope(NS, topic, msg({ job: 'J2' }), ring);
    expectCode('TOPIC_MISMATCH', () => openEnvelope(NS, topic, other, ring, MAX));
  });

  it('refuses a correctly signed msg of another namespace', () => {
    const other = sealEnvelope(NS, topic, msg({ ns: 'elsewhere' }), ring);
    expectCode('NAMESPACE_MISMATCH', () => openEnvelope(NS, topic, other, ring, MAX));
    expectCode('TOPIC_MISMATCH', () => openEnvelope('elsewhere', topic, sealed, ring, MAX));
  });

  it.each<[string, Partial<Msg<object>>]>([
    ['an invalid body', { body: { percent: 500 } }],
    ['an unknown body property', { body: { surprise: true } }],
    ['a type not allowed on events', { type: 'job.state' }],
    ['an unknown type', { type: 'job.teleported' }],
    ['seq 0', { seq: 0 }],
    ['a fractional gen', { gen: 1.5 }],
  ])('refuses a correctly signed msg with %s as SCHEMA', (_, over) => {
    expectCode('SCHEMA', () => openEnvelope(NS, topic, sealEnvelope(NS, topic, msg(over), ring), ring, MAX));
  });

  it('refuses to seal for a topic outside the namespace', () => {
    expectCode('TOPIC_MISMATCH', () => sealEnvelope(NS, 'mam/v1/other/jobs/J1/events', msg(), ring));
  });
});

describe('key rotation', () => {
  it('accepts the old kid after rotation and signs with the new one', () => {
    const topic = topics.events(NS, 'J1');
    const old = sealEnvelope(NS, topic, msg(), ring);
    const rotated = rotateKeyFile(kf);
    const newRing = masterKeyring(rotated);
    expect(rotated.active).not.toBe(kf.active);
    expect(openEnvelope(NS, topic, old, newRing, MAX).kid).toBe(kf.active);

    const fresh = sealEnvelope(NS, topic, msg(), newRing);
    expect(openEnvelope(NS, topic, fresh, newRing, MAX).kid).toBe(rotated.active);
    // A daemon still on the old key file does not know the new kid.
    expectCode('UNKNOWN_KEY_ID', () => openEnvelope(NS, topic, fresh, ring, MAX));
  });
});

describe('per-job keys', () => {
  const keyA = deriveKey(master, 'A');
  const agentA = singleKeyring(kf.active, 'A', keyA);

  it('derives a distinct 32-byte key per job, never the master', () => {
    const keyB = deriveKey(master, 'B');
    expect(keyA).toHaveLength(32);
    expect(keyA.equals(keyB)).toBe(false);
    expect(keyA.equals(master)).toBe(false);
    expect(deriveKey(master, 'A').equals(keyA)).toBe(true);
  });

  it("verifies an agent's own job event with the master keyring", () => {
    const topic = topics.events(NS, 'A');
    const sealed = sealEnvelope(NS, topic, msg({ job: 'A' }), agentA);
    expect(openEnvelope(NS, topic, sealed, ring, MAX).msg.job).toBe('A');
    expect(openEnvelope(NS, topic, sealed, agentA, MAX).msg.job).toBe('A');
  });

  it("gives job A's agent no key for job B, to sign or to verify", () => {
    const topicB = topics.events(NS, 'B');
    expectCode('UNKNOWN_KEY_ID', () => sealEnvelope(NS, topicB, msg({ job: 'B' }), agentA));
    const realB = sealEnvelope(NS, topicB, msg({ job: 'B' }), ring);
    expectCode('UNKNOWN_KEY_ID', () => openEnvelope(NS, topicB, realB, agentA, MAX));
  });

  it("refuses job A's key used to sign job B's topic", () => {
    const topicB = topics.events(NS, 'B');
    // A keyring lying about its scope: job A's key presented for job B.
    const forged = sealEnvelope(NS, topicB, msg({ job: 'B' }), singleKeyring(kf.active, 'B', keyA));
    expectCode('BAD_SIGNATURE', () => openEnvelope(NS, topicB, forged, ring, MAX));
  });
});
