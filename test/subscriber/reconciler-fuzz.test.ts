import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MeshClient } from '../../broker/client.js';
import { hmac, OPERATOR_SCOPE } from '../../core/keys.js';
import { topics } from '../../core/topics.js';
import type { Reconciler } from '../../subscriber/reconciler.js';
import {
  count,
  publishAll,
  sealCreate,
  sealEvent,
  startMesh,
  startReconciler,
  waitUntil,
  type Mesh,
} from '../helpers/reconciler.js';
import { withRegistryFile } from '../helpers/registry-file.js';

/** One fuzz message and the rejection reasons it may earn (several only where the mutation point decides). */
interface Fuzz {
  topic: string;
  payload: Buffer;
  reasons: readonly string[];
  /** verified and fresh but not applicable: its seq is consumed (an events row with applied = 0) */
  consumes?: boolean;
}

const RUNS = 20;
const CHUNK = 500; // RUNS × CHUNK = 10,000 messages
const STALE_HWM = 100_000;
const BIG = 16_384;
const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

let m: Mesh;
let rec: Reconciler;
let client: MeshClient;
let bigClient: MeshClient;
let replayable: Buffer;
const counters = { gen: 0, illegal: 0, marker: 0, unknown: 0 };

beforeAll(async () => {
  m = await startMesh();
  rec = await startReconciler(m);
  client = await m.connect();
  bigClient = await m.connect();
  // FZ runs (gen 0), FD is done (nothing may move it), MK takes the markers; sender "hi" sits high on FZ.
  await publishAll(
    client,
    ['FZ', 'FD', 'MK'].map((j) => sealCreate(m, j)),
  );
  const first = sealEvent(m, { job: 'FZ', seq: 1, type: 'job.started' });
  replayable = first.payload;
  await publishAll(client, [
    first,
    sealEvent(m, { job: 'FD', seq: 1, type: 'job.done' }),
    sealEvent(m, { job: 'FZ', sender: 'hi', seq: STALE_HWM }),
  ]);
  await waitUntil(
    () => (rec.reg.hasEvent('FZ', 'hi', STALE_HWM) && rec.reg.getJob('FD')?.state === 'done' ? 1 : 0),
    1,
    'the fuzz fixtures',
  );
});
afterAll(async () => {
  await rec?.close();
  await m?.close();
});

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
  fc.constantFrom('', 'a/b', 'k+', '#', 'x'.repeat(65), 'ké').map((kid) => () => one('bad_envelope', patched({ kid }))),
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
    .map((s) => () => ({ topic: ev('FZ'), payload: signText(ev('FZ'), `{${s}`), reasons: ['bad_envelope', 'schema'] })),
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
      (gen) => () => one('wrong_generation', signed(base({ gen, sender: 'fzg', seq: ++counters.gen })), ev('FZ'), true),
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
  fc.constant(() => one('replay', replayable)),
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
const fuzzArb = fc.oneof(...VARIANTS);

const key = (topic: string, raw: Buffer | null) =>
  `${topic}\n${(raw ?? Buffer.alloc(0)).subarray(0, 2048).toString('base64')}`;
const maxRejection = () => count(m, 'SELECT COALESCE(MAX(id), 0) AS n FROM rejections');
const events = (applied: number) => count(m, 'SELECT COUNT(*) AS n FROM events WHERE applied = ?', applied);
/** The rejection rows recorded after row `from`, with the bytes they kept. */
const rejectedSince = (from: number) =>
  withRegistryFile(
    m.ctx.ws.db,
    (db) =>
      db.prepare('SELECT reason, topic, raw FROM rejections WHERE id > ?').all(from) as Array<{
        reason: string;
        topic: string;
        raw: Buffer | null;
      }>,
  );

/**
 * A valid event after everything published so far: a PUBACKed publish was already handed to the
 * reconciler's connection, so once the marker is committed everything before it went through.
 */
async function marker(): Promise<void> {
  const seq = ++counters.marker;
  await publishAll(client, [sealEvent(m, { job: 'MK', sender: 'mk', seq })]);
  await waitUntil(() => (rec.reg.hasEvent('MK', 'mk', seq) ? 1 : 0), 1, `marker ${seq} to be committed`);
}

/** Publishes one chunk, then a marker, and matches every new rejection row to one fuzz message. */
async function runChunk(fuzz: Fuzz[]): Promise<void> {
  const from = maxRejection();
  const stats = { ...rec.stats };
  const before = { applied: events(1), unapplied: events(0) };
  // Big packets go one at a time on their own connection: the embedded broker stalls a TLS
  // connection that pipelines large and small packets together (Duplex.from in broker/server.ts).
  await publishAll(
    client,
    fuzz.filter((f) => f.payload.length <= BIG),
  );
  for (const f of fuzz.filter((x) => x.payload.length > BIG)) await bigClient.publish(f.topic, f.payload, { qos: 1 });
  await marker();

  const rows = rejectedSince(from);
  const open = new Map<string, Array<readonly string[]>>();
  for (const f of fuzz) open.set(key(f.topic, f.payload), [...(open.get(key(f.topic, f.payload)) ?? []), f.reasons]);
  const unexpected: string[] = [];
  for (const r of rows) {
    const list = open.get(key(r.topic, r.raw)) ?? [];
    const i = list.findIndex((reasons) => reasons.includes(r.reason));
    if (i < 0) unexpected.push(`${r.reason} on ${r.topic}: ${r.raw?.subarray(0, 200).toString()}`);
    else list.splice(i, 1);
  }
  const missing = [...open.entries()].flatMap(([k, l]) =>
    l.map((reasons) => `${reasons.join('|')} for ${k.slice(0, 200)}`),
  );
  expect(unexpected, 'rejections that match no fuzz message or the wrong reason').toEqual([]);
  expect(missing, 'fuzz messages without their rejection').toEqual([]);
  expect(rows.length).toBe(fuzz.length);
  // Nothing from the fuzz set applied: only the marker; refused-but-fresh messages consumed their seq.
  expect(events(1)).toBe(before.applied + 1);
  expect(events(0)).toBe(before.unapplied + fuzz.filter((f) => f.consumes).length);
  expect(rec.stats.rejected + rec.stats.duplicates - stats.rejected - stats.duplicates).toBe(fuzz.length);
}

describe('fuzzed messages through the real broker', () => {
  it('rejects 10,000 malformed or mutated messages, each with its reason, and keeps reconciling', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fuzzArb, { minLength: CHUNK, maxLength: CHUNK }), async (makers) =>
        runChunk(makers.map((make) => make())),
      ),
      { numRuns: RUNS, endOnFailure: true },
    );
    expect(rec.reg.getJob('FZ')).toMatchObject({ state: 'running', gen: 0 });
    expect(rec.reg.getJob('FD')).toMatchObject({ state: 'done', gen: 0 });
    expect(count(m, "SELECT COUNT(*) AS n FROM jobs WHERE id LIKE 'U%'")).toBe(0);
  });

  it('never sees what the broker refuses: wildcards or slashes in ids, other namespaces, state topics, packets over the limit', async () => {
    const from = maxRejection();
    const applied = events(1);
    const bad = fc.sample(
      fc.tuple(word, fc.constantFrom('+', '#', '/', '/x/')).map(([w, c]) => `${w}${c}${w}`),
      12,
    );
    const refused = [
      ...bad.map((id) => ev(id)),
      `mam/v1/rec/jobs/#`,
      `mam/v1/other/jobs/FZ/events`,
      topics.state(m.ns, 'FZ'),
      topics.status(m.ns, m.host),
      topics.output(m.ns, 'FZ'),
    ].map((topic) => ({ topic, payload: valid() }));
    refused.push({ topic: ev('FZ'), payload: Buffer.alloc(m.ctx.cfg.broker.maxPacketBytes + 1, 0x20) });
    for (const r of refused) {
      // The broker answers a refused publish by dropping the connection: one connection each.
      const c = await m.connect();
      await expect(c.publish(r.topic, r.payload, { qos: 1 }), r.topic).rejects.toMatchObject({
        code: 'MAM_ERR_BROKER_UNREACHABLE',
      });
    }
    await marker();
    expect(rejectedSince(from).map(({ reason, topic }) => ({ reason, topic }))).toEqual([]);
    expect(events(1)).toBe(applied + 1);
  });
});
