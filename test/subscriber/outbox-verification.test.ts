import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addToOutbox, listOutbox, outboxDir } from '../../broker/emitter/outbox.js';
import { topics } from '../../core/topics.js';
import type { Reconciler } from '../../subscriber/reconciler.js';
import { count, sealEvent, seedJobs, startMesh, startReconciler, waitUntil, type Mesh } from '../helpers/reconciler.js';
import { runMam } from '../helpers/workspace.js';

let m: Mesh;
let rec: Reconciler | undefined;

beforeAll(async () => {
  m = await startMesh({ emit: { ackTimeoutMs: 1500 }, reconciler: { sweepIntervalMs: 200 } });
  rec = await startReconciler(m);
  await seedJobs(m, await m.connect(), ['V1', 'V2']);
});
afterAll(async () => {
  await rec?.close();
  await m?.close();
});

const rejectedDir = (job: string) => join(outboxDir(m.ctx.ws.jobDir(job)), 'rejected');
const setAside = (job: string) =>
  existsSync(rejectedDir(job)) ? readdirSync(rejectedDir(job)).filter((n) => n.endsWith('.json')) : [];
const sweeps = async (n: number) => {
  const from = rec!.stats.sweeps;
  await waitUntil(() => rec!.stats.sweeps - from, n, `${n} sweeps`);
};
/** An entry as an agent could write it into its own outbox, old enough for the sweep to re-send. */
const plant = (job: string, e: { topic: string; sender: string; seq: number; payload: Buffer }) =>
  addToOutbox(m.ctx.ws.jobDir(job), {
    topic: e.topic,
    sender: e.sender,
    seq: e.seq,
    payload: e.payload.toString('base64'),
    created: Date.now() - 30_000,
  });

describe('the outbox sweep verifies every entry before re-sending it', () => {
  it("a 300 KB entry is set aside once with its reason and recorded; the host keeps delivering other jobs' events", async () => {
    let drops = 0;
    rec!.client.mqtt.on('offline', () => drops++);
    plant('V1', { topic: topics.events(m.ns, 'V1'), sender: 'agent', seq: 7, payload: Buffer.alloc(300_000, 'x') });
    await sweeps(3);
    expect(setAside('V1')).toEqual(['agent-000000000007.json']);
    expect(readFileSync(join(rejectedDir('V1'), 'agent-000000000007.json.reason'), 'utf8')).toMatch(/oversize/);
    expect(listOutbox(m.ctx.ws.jobDir('V1'))).toEqual([]);
    expect(count(m, "SELECT COUNT(*) AS n FROM rejections WHERE job = 'V1' AND reason = 'oversize'")).toBe(1);
    await sweeps(3);
    // Once: a set-aside entry is never read, sent or recorded again.
    expect(count(m, "SELECT COUNT(*) AS n FROM rejections WHERE job = 'V1' AND reason = 'oversize'")).toBe(1);
    expect(drops, 'the reconciler lost its broker connection').toBe(0);
    expect(rec!.client.mqtt.connected).toBe(true);
    const r = await runMam(m.tw, ['emit', 'job.progress', '--job', 'V2', '--field', 'message=still delivered']);
    expect(r.exitCode, String(r.stderr)).toBe(0);
  });

  it("an entry whose topic or signed job is another job's, or whose signature is wrong, is set aside and never sent", async () => {
    // V2's own event planted in V1's outbox: valid signature, wrong job folder.
    plant('V1', { ...sealEvent(m, { job: 'V2', seq: 40, sender: 'agent' }), sender: 'agent', seq: 40 });
    const forged = sealEvent(m, { job: 'V1', seq: 41, sender: 'agent' });
    const env = JSON.parse(forged.payload.toString());
    env.sig = 'A'.repeat(42) + 'A';
    plant('V1', { topic: forged.topic, sender: 'agent', seq: 41, payload: Buffer.from(JSON.stringify(env)) });
    writeFileSync(join(outboxDir(m.ctx.ws.jobDir('V1')), 'agent-000000000042.json'), 'not json');
    await sweeps(3);
    expect(setAside('V1')).toEqual(
      expect.arrayContaining(['agent-000000000040.json', 'agent-000000000041.json', 'agent-000000000042.json']),
    );
    expect(rec!.reg.hasEvent('V2', 'agent', 40)).toBe(false);
    const reasons = rec!.reg
      .listRejections({ job: 'V1' })
      .filter((r) => r.topic.startsWith('(outbox'))
      .map((r) => r.reason);
    expect(reasons).toEqual(expect.arrayContaining(['topic_mismatch', 'bad_signature', 'bad_envelope']));
  });

  it('a valid entry is still re-sent and committed', async () => {
    const e = sealEvent(m, { job: 'V1', seq: 50, sender: 'agent' });
    plant('V1', { ...e, sender: 'agent', seq: 50 });
    await waitUntil(() => (rec!.reg.hasEvent('V1', 'agent', 50) ? 1 : 0), 1, 'the valid entry committed');
    expect(setAside('V1')).not.toContain('agent-000000000050.json');
  });
});
