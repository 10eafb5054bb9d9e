import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openEnvelope } from '../../core/envelope.js';
import { topics } from '../../core/topics.js';
import type { Reconciler } from '../../subscriber/reconciler.js';
import {
  count,
  publishAll,
  sealEvent,
  seedJobs,
  startMesh,
  startReconciler,
  waitUntil,
  type Mesh,
} from '../helpers/reconciler.js';
import { runMam } from '../helpers/workspace.js';

let m: Mesh;
let rec: Reconciler | undefined;

beforeAll(async () => {
  m = await startMesh({ emit: { ackTimeoutMs: 4000 } });
  rec = await startReconciler(m);
});
afterAll(async () => {
  await rec?.close();
  await m?.close();
});

describe('job states after a broker restart', () => {
  it('after a broker restart the reconciler announces its jobs again: an operator emit takes the current generation', async () => {
    const c = await m.connect();
    await seedJobs(m, c, ['G1']);
    // Cancelled, then resumed: generation 1 (no host daemon here, so no session is launched).
    await publishAll(c, [
      sealEvent(m, { job: 'G1', seq: 1, sender: 'op', type: 'job.cancelled', body: { reason: 'test' } }),
    ]);
    await waitUntil(
      () => count(m, "SELECT COUNT(*) AS n FROM jobs WHERE id = 'G1' AND state = 'cancelled'"),
      1,
      'G1 cancelled',
    );
    await publishAll(c, [
      sealEvent(m, {
        job: 'G1',
        seq: 2,
        sender: 'operator',
        type: 'control.resume',
        topic: topics.control(m.ns, m.host),
      }),
    ]);
    await waitUntil(() => count(m, "SELECT gen AS n FROM jobs WHERE id = 'G1'"), 1, 'G1 in generation 1');

    // The embedded broker keeps retained messages in memory: a restart loses every job's state.
    await m.restartBroker();
    const watcher = await m.connect('reader');
    const announced = new Promise<number>((resolve) => {
      watcher.mqtt.on('message', (_t, payload) =>
        resolve(
          (openEnvelope(m.ns, topics.state(m.ns, 'G1'), payload, m.ctx.keyring, 1 << 20).msg.body as { gen: number })
            .gen,
        ),
      );
    });
    await watcher.mqtt.subscribeAsync(topics.state(m.ns, 'G1'), { qos: 1 });
    expect(await announced).toBe(1);

    const r = await runMam(m.tw, [
      'emit',
      'job.progress',
      '--job',
      'G1',
      '--field',
      'message=after the restart',
      '--json',
    ]);
    expect(r.exitCode, String(r.stderr)).toBe(0);
    const out = JSON.parse(String(r.stdout)) as { seq: number; gen: number; committed: boolean };
    expect(out).toMatchObject({ gen: 1, committed: true });
    expect(
      count(
        m,
        'SELECT applied AS n FROM events WHERE job = ? AND sender = ? AND seq = ?',
        'G1',
        `operator@${m.host}`,
        out.seq,
      ),
    ).toBe(1);
  });
});
