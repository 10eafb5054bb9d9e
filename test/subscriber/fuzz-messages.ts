import fc from 'fast-check';
import { hmac, OPERATOR_SCOPE } from '../../core/keys.js';
import { topics } from '../../core/topics.js';
import { sealEvent, type Mesh } from '../helpers/reconciler.js';

/** One fuzz message and the rejection reasons it may earn (several only where the mutation point decides). */
export interface Fuzz {
  topic: string;
  payload: Buffer;
  reasons: readonly string[];
  /** verified and fresh but not applicable: its seq is consumed (an events row with applied = 0) */
  consumes?: boolean;
}

export const STALE_HWM = 100_000;
export const BIG = 16_384;
const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** What the variants read from the running fixture: the mesh, a replayable event and per-kind counters. */
export interface FuzzFixture {
  m: Mesh;
  replayable: () => Buffer;
  counters: { gen: number; illegal: number; marker: number; unknown: number };
}

/** Every way the fuzz test breaks a valid message, as one arbitrary. */
export function fuzzArbitrary(fx: FuzzFixture): fc.Arbitrary<() => Fuzz> {
  const { m, counters } = fx;
  const ev = (job: string) => topics.events(m.ns, job);
  const base = (over: Record<string, unknown> = {}) => ({
    v: 1,
    ns: m.ns,
    job: 'FZ',
    type: 'job.progress',
    sender: 'fz',
    gen: 0,
    seq: 1,
    ts: Date.now(),
    body: {},
    ...over,
  });

  /** Signs any text, valid msg or not, the way sealEnvelope signs (DESIGN.md: "mam-v1\n" + topic + "\n" + msg). */
  function signText(
    topic: string,
    text: string,
    scope = topic.includes('/hosts/') ? OPERATOR_SCOPE : topic.split('/')[4],
  ): Buffer {
    const kid = m.ctx.keyring.activeKid;
    const sig = hmac(m.ctx.keyring.keyFor(kid, scope)!, `mam-v1\n${topic}\n${text}`).toString('base64url');
    return Buffer.from(JSON.stringify({ kid, sig, msg: text }));
  }
  const signed = (msg: object, topic = ev('FZ')) => signText(topic, JSON.stringify(msg));
  const outer = (payload: Buffer) => JSON.parse(payload.toString()) as Record<string, unknown>;
  /** A valid envelope (never published as such), and the same with outer fields replaced. */
  const valid = () => sealEvent(m, { job: 'FZ', seq: 1 }).payload;
  const patched = (fields: Record<string, unknown>) => Buffer.from(JSON.stringify({ ...outer(valid()), ...fields }));
  const one = (reason: string, payload: Buffer, topic = ev('FZ'), consumes = false): Fuzz => ({
    topic,
    payload,
    reasons: [reason],
    consumes,
  });

  const word = fc.string({ unit: fc.constantFrom(...'abcXYZ019-_'), minLength: 1, maxLength: 12 });
  const schemaBreak = fc.oneof(
    fc.record({ seq: fc.constantFrom(0, -1, -(2 ** 40), 2 ** 53, 1e300, 1.5, '7', null) }),
    fc.record({ gen: fc.constantFrom(-1, 1_000_001, '0', 0.5, null) }),
    fc.record({ ts: fc.constantFrom(-1, 4e13, 'now', 1.25) }),
    fc.record({ v: fc.constantFrom(0, 2, '1') }),
    fc.record({ job: fc.constantFrom('F/Z', 'FZ+', '#', '', 'x'.repeat(65), 'F.Z') }),
    fc.record({ sender: fc.constantFrom('a b', '', 'x/y', '+', '#', 'é') }),
    fc.record({
      type: fc.constantFrom('job.unknown', 'JOB.DONE', 'job.state', 'control.create', 'review.verdict', 'job'),
    }),
    fc.record({
      body: fc.constantFrom(null, [], 's', 5, { percent: 200 }, { unknown: 1 }, { message: 5 }, { phase: 'sleeping' }),
    }),
    fc.record({ extra: fc.jsonValue() }),
  );

  /** Each variant breaks a valid message in one way; the reasons say what the reconciler must call it. */
  const VARIANTS: Array<fc.Arbitrary<() => Fuzz>> = [
    fc.uint8Array({ maxLength: 300 }).map((b) => () => one('bad_envelope', Buffer.from(b))),
    fc.jsonValue().map((j) => () => one('bad_envelope', Buffer.from(JSON.stringify(j) ?? 'null'))),
    fc.nat().map((n) => () => {
      const p = valid();
      return one('bad_envelope', p.subarray(0, n % p.length));
    }),
    fc.constantFrom('drop', 'extra', 'kidNum', 'sigNum', 'msgObj', 'array').map((how) => () => {
      const o = outer(valid());
      if (how === 'drop') delete o.sig;
      if (how === 'extra') o.x = 1;
      if (how === 'kidNum') o.kid = 7;
      if (how === 'sigNum') o.sig = 7;
      if (how === 'msgObj') o.msg = JSON.parse(o.msg as string);
      return one('bad_envelope', Buffer.from(JSON.stringify(how === 'array' ? [o.kid, o.sig, o.msg] : o)));
    }),
    fc
      .constantFrom('', 'a/b', 'k+', '#', 'x'.repeat(65), 'ké')
      .map((kid) => () => one('bad_envelope', patched({ kid }))),
    // Bad base64url: wrong length, padding, '+' and '/', or another spelling of a valid HMAC.
    fc
      .oneof(fc.string({ maxLength: 60 }), fc.base64String({ minLength: 44, maxLength: 44 }))
      .filter((s) => !/^[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]$/.test(s))
      .map((sig) => () => one('bad_signature', patched({ sig }))),
    // Another spelling of the same HMAC: the last character's two spare bits set.
    fc.integer({ min: 1, max: 3 }).map((bits) => () => {
      const o = outer(valid());
      const sig = o.sig as string;
      return one(
        'bad_signature',
        Buffer.from(JSON.stringify({ ...o, sig: sig.slice(0, 42) + B64URL[B64URL.indexOf(sig[42]) | bits] })),
      );
    }),
    word.map((w) => () => one('unknown_key_id', patched({ kid: `zz-${w}` }))),
    fc
      .uint8Array({ minLength: 32, maxLength: 32 })
      .map((b) => () => one('bad_signature', patched({ sig: Buffer.from(b).toString('base64url') }))),
    // One flipped byte anywhere: where it lands decides which check refuses it, never whether.
    fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })).map(([at, x]) => () => {
      const p = valid();
      p[at % p.length] ^= x;
      return { topic: ev('FZ'), payload: p, reasons: ['bad_envelope', 'bad_signature', 'unknown_key_id'] };
    }),
    fc.constantFrom('events-of-other-job', 'verdicts', 'control').map((where) => () => {
      const p = valid(); // signed for FZ's events topic, sent elsewhere
      const topic =
        where === 'verdicts'
          ? topics.verdicts(m.ns, 'FZ')
          : where === 'control'
            ? topics.control(m.ns, m.host)
            : ev('FD');
      return one('bad_signature', p, topic);
    }),
    // Signed text that is rarely JSON ("{}" is, and then fails the schema).
    fc
      .string({ maxLength: 40 })
      .map((s) => () => ({
        topic: ev('FZ'),
        payload: signText(ev('FZ'), `{${s}`),
        reasons: ['bad_envelope', 'schema'],
      })),
    schemaBreak.map((brk) => () => one('schema', signed(base(brk)))),
    fc.constant(() => one('schema', signed({ ...base(), body: undefined }))),
    word
      .filter((w) => w.toLowerCase() === w && /^[a-z0-9]/.test(w) && w !== 'rec')
      .map((ns) => () => one('namespace_mismatch', signed(base({ ns })))),
    fc.constantFrom('FD', 'MK', 'NOPE').map((job) => () => one('topic_mismatch', signed(base({ job })))),
    // Long past (absolute), or relative to now: two days old, an hour or ten years ahead.
    fc
      .oneof(
        fc.integer({ min: 0, max: 10 ** 12 }).map((t) => () => t),
        fc.constantFrom(-2 * 86_400_000, 3_600_000, 315_360_000_000).map((d) => () => Date.now() + d),
      )
      .map((ts) => () => one('timestamp', signed(base({ ts: ts() })))),
    fc.constant(() => {
      const job = `U${counters.unknown++}`;
      return one('unknown_job', signed(base({ job }), ev(job)), ev(job));
    }),
    fc
      .integer({ min: 1, max: 1_000_000 })
      .map(
        (gen) => () =>
          one('wrong_generation', signed(base({ gen, sender: 'fzg', seq: ++counters.gen })), ev('FZ'), true),
      ),
    fc
      .constantFrom(
        'job.progress',
        'job.heartbeat',
        'job.started',
        'job.blocked',
        'job.done',
        'job.failed',
        'job.cancelled',
      )
      .map(
        (type) => () =>
          one(
            'illegal_transition',
            signed(
              base({
                job: 'FD',
                type,
                sender: 'fzi',
                seq: ++counters.illegal,
                body: /blocked|failed/.test(type) ? { reason: 'r' } : {},
              }),
              ev('FD'),
            ),
            ev('FD'),
            true,
          ),
      ),
    fc.constant(() => one('replay', fx.replayable())),
    fc
      .integer({ min: 1, max: STALE_HWM - 4097 })
      .map((seq) => () => one('stale_seq', signed(base({ sender: 'hi', seq })))),
    fc
      .integer({ min: 1, max: 4000 })
      .map((extra) => () => one('oversize', signed(base({ body: { message: 'x'.repeat(65_536 + extra) } })))),
    fc.constant(() =>
      one(
        'job_exists',
        signed(
          base({ type: 'control.create', sender: 'operator', body: { agent: 'command', launch: false } }),
          topics.control(m.ns, m.host),
        ),
        topics.control(m.ns, m.host),
      ),
    ),
    fc.constant(() =>
      one(
        'schema',
        signed(base({ type: 'review.verdict', body: { verdict: 'MAYBE' } }), topics.verdicts(m.ns, 'FZ')),
        topics.verdicts(m.ns, 'FZ'),
      ),
    ),
  ];
  return fc.oneof(...VARIANTS);
}
