import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listOutbox } from '../../core/outbox.js';
import type { Reconciler } from '../../subscriber/reconciler.js';
import { runMam } from '../helpers/workspace.js';
import { seedJobs, startMesh, startReconciler, waitUntil, type Mesh } from '../helpers/reconciler.js';

let m: Mesh;
let rec: Reconciler | undefined;

beforeAll(async () => {
  // A short ack wait makes the unacknowledged case quick; the sweep still waits out its 5 s grace.
  m = await startMesh({ emit: { ackTimeoutMs: 1500 }, reconciler: { sweepIntervalMs: 200 } });
  rec = await startReconciler(m);
  await seedJobs(m, await m.connect(), ['E1']);
});
afterAll(async () => {
  await rec?.close();
  await m?.close();
});

const outbox = () => listOutbox(m.ctx.ws.jobDir('E1'));
const emit = (message: string) => runMam(m.tw, ['emit', 'job.progress', '--job', 'E1', '--field', `message=${message}`, '--json']);
const committed = (seq: number) => (rec?.reg.hasEvent('E1', `operator@${m.host}`, seq) ? 1 : 0);

describe('delivery acknowledgement of mam emit', () => {
  it('exits 0 and says committed while the reconciler runs; nothing stays in the outbox', async () => {
    const r = await emit('first');
    expect(r.exitCode, String(r.stderr)).toBe(0);
    const out = JSON.parse(String(r.stdout)) as { seq: number; committed: boolean; queued: boolean };
    expect(out).toMatchObject({ committed: true, queued: false });
    expect(committed(out.seq)).toBe(1);
    expect(outbox()).toEqual([]);

    const plain = await runMam(m.tw, ['emit', 'job.progress', '--job', 'E1', '--field', 'message=second']);
    expect(plain.exitCode, String(plain.stderr)).toBe(0);
    expect(String(plain.stdout)).toMatch(/ committed/);
  });

  it('exits 75 with the reconciler stopped and keeps the entry; the restarted reconciler re-sends and clears it', async () => {
    await rec!.close();
    rec = undefined;
    // A fresh broker holds no session for the reconciler: only the outbox can deliver what comes next.
    await m.restartBroker();
    const r = await emit('while down');
    expect(r.exitCode, String(r.stderr)).toBe(75);
    const out = JSON.parse(String(r.stdout)) as { seq: number; committed: boolean; queued: boolean };
    expect(out).toMatchObject({ committed: false, queued: true });
    expect(outbox().map((e) => e.seq)).toEqual([out.seq]);

    rec = await startReconciler(m);
    await waitUntil(() => committed(out.seq), 1, `the sweep to re-send seq ${out.seq}`, 15_000);
    await waitUntil(() => (outbox().length === 0 ? 1 : 0), 1, 'the sweep to clear the committed entry', 5000);
    expect(rec.reg.db.prepare('SELECT COUNT(*) AS n FROM events WHERE job = ? AND seq = ?').get('E1', out.seq)).toEqual({ n: 1 });
  });
});
