import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MeshClient } from '../../broker/client.js';
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
import { BIG, type Fuzz, fuzzArbitrary, STALE_HWM } from './fuzz-messages.js';

const RUNS = 20;
const CHUNK = 500; // RUNS × CHUNK = 10,000 messages

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
const valid = () => sealEvent(m, { job: 'FZ', seq: 1 }).payload;
const word = fc.string({ unit: fc.constantFrom(...'abcXYZ019-_'), minLength: 1, maxLength: 12 });

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
      fc.asyncProperty(
        fc.array(fuzzArbitrary({ m, replayable: () => replayable, counters }), { minLength: CHUNK, maxLength: CHUNK }),
        async (makers) => runChunk(makers.map((make) => make())),
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
