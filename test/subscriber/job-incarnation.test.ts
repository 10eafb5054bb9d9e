import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addToOutbox, listOutbox } from '../../broker/emitter/outbox.js';
import type { Reconciler } from '../../subscriber/reconciler.js';
import { count, sealEvent, startMesh, startReconciler, waitUntil, type Mesh } from '../helpers/reconciler.js';
import { runMam } from '../helpers/workspace.js';

let m: Mesh;
let rec: Reconciler | undefined;

beforeAll(async () => {
  m = await startMesh({ reconciler: { sweepIntervalMs: 200 } });
  rec = await startReconciler(m);
});
afterAll(async () => {
  await rec?.close();
  await m?.close();
});

const sweeps = async (n: number) => {
  const from = rec!.stats.sweeps;
  await waitUntil(() => rec!.stats.sweeps - from, n, `${n} sweeps`);
};
const create = (id: string) =>
  runMam(m.tw, ['job', 'create', '--agent', 'command', '--id', id, '--no-launch', '--wait', '5s', '--', 'true']);

describe('events signed before a job existed never touch it', () => {
  it('a stop for a job nobody knows exits 4 and keeps nothing; the job created later under that id is not cancelled', async () => {
    const stop = await runMam(m.tw, ['job', 'stop', 'FIX4', '--wait', '1s']);
    expect(stop.exitCode, String(stop.stderr)).toBe(4);
    expect(String(stop.stderr)).toMatch(/hint: /);
    expect(listOutbox(m.ctx.ws.operatorDir('FIX4'))).toEqual([]);
    const c = await create('FIX4');
    expect(c.exitCode, String(c.stderr)).toBe(0);
    await sweeps(5);
    expect(rec!.reg.getJob('FIX4')?.state).toBe('starting');
  });

  it('a kept stop signed before the create is refused (predates_job) when the create re-sends it, and set aside', async () => {
    // As an older mam, or a registry recreated under old ids, would leave it: in the outbox of an id not yet created.
    const stale = sealEvent(m, {
      job: 'FIX5',
      seq: 7,
      sender: `operator@${m.host}`,
      type: 'job.cancelled',
      ts: Date.now() - 5000,
      body: { reason: 'stale' },
    });
    addToOutbox(m.ctx.ws.jobDir('FIX5'), {
      topic: stale.topic,
      sender: `operator@${m.host}`,
      seq: 7,
      payload: stale.payload.toString('base64'),
      created: Date.now() - 5000,
    });
    // The create's own emit publishes every entry of the job's outbox, the stale stop with it.
    const c = await create('FIX5');
    expect(c.exitCode, String(c.stderr)).toBe(0);
    await waitUntil(
      () => count(m, "SELECT COUNT(*) AS n FROM rejections WHERE job = 'FIX5' AND reason = 'predates_job'"),
      1,
      'the stale stop refused',
    );
    await sweeps(5);
    expect(rec!.reg.getJob('FIX5')?.state).toBe('starting');
    expect(
      listOutbox(m.ctx.ws.operatorDir('FIX5')).filter((e) => e.sender === `operator@${m.host}` && e.seq === 7),
    ).toEqual([]);
    // A stop signed now still works.
    const stop = await runMam(m.tw, ['job', 'stop', 'FIX5', '--wait', '5s']);
    expect(stop.exitCode, String(stop.stderr)).toBe(0);
    expect(rec!.reg.getJob('FIX5')?.state).toBe('cancelled');
  });
});
