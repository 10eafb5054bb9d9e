import { statSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
  m = await startMesh({ reconciler: { sweepIntervalMs: 200 }, rejections: { keepMax: 100, keepDays: 30 } });
  rec = await startReconciler(m);
  await seedJobs(m, await m.connect(), ['H1']);
});
afterAll(async () => {
  await rec?.close();
  await m?.close();
});

const modeOf = (path: string) => (statSync(path).mode & 0o777).toString(8);

describe('registry files and rejections', () => {
  it('mam.db, its -wal and -shm and the reconciler lock are readable by their owner only (0600)', () => {
    const db = m.ctx.ws.db;
    for (const f of [db, `${db}-wal`, `${db}-shm`, `${db}.lock`]) expect([f, modeOf(f)]).toEqual([f, '600']);
  });

  it("keeps at most rejections.keepMax refused messages; the count per reason survives; a bad signature is recorded with its topic's job", async () => {
    const agent = await m.connect({ agent: 'H1' });
    const garbage = Array.from({ length: 150 }, (_, i) => {
      const e = sealEvent(m, { job: 'H1', seq: 1000 + i, sender: 'agent' });
      const env = JSON.parse(e.payload.toString());
      env.sig = 'B'.repeat(42) + 'A';
      return { topic: topics.events(m.ns, 'H1'), payload: Buffer.from(JSON.stringify(env)) };
    });
    await publishAll(agent, garbage);
    await waitUntil(
      () => count(m, "SELECT COALESCE(SUM(n), 0) AS n FROM rejection_counts WHERE reason = 'bad_signature'"),
      150,
      'bad signatures counted',
    );
    await waitUntil(() => 150 - count(m, 'SELECT COUNT(*) AS n FROM rejections'), 50, 'the sweep pruning to keepMax');
    expect(count(m, 'SELECT COUNT(*) AS n FROM rejections')).toBe(100);
    expect(count(m, "SELECT COUNT(*) AS n FROM rejections WHERE reason = 'bad_signature' AND job = 'H1'")).toBe(100);
    const r = await runMam(m.tw, ['rejections', '--job', 'H1', '--json']);
    expect(r.exitCode, String(r.stderr)).toBe(0);
    const out = JSON.parse(String(r.stdout)) as { counts: Array<{ reason: string; n: number }> };
    expect(out.counts).toContainEqual({ reason: 'bad_signature', n: 150 });
  });
});
