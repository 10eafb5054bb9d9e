import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Reconciler } from '../../subscriber/reconciler.js';
import { seedJobs, startMesh, startReconciler, type Mesh } from '../helpers/reconciler.js';
import { runMam } from '../helpers/workspace.js';
import { waitFor } from '../helpers/wait.js';

let m: Mesh;
let rec: Reconciler | undefined;

beforeAll(async () => {
  m = await startMesh();
  rec = await startReconciler(m);
  await seedJobs(m, await m.connect(), ['W1']);
});
afterAll(async () => {
  await rec?.close();
  await m?.close();
});

describe('mam watch --state', () => {
  it('never shows two different state messages under one seq', async () => {
    const watch = runMam(m.tw, ['watch', '--state', '--job', 'W1', '--json'], { timeout: 0, buffer: false });
    let out = '';
    watch.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    await waitFor(() => out.includes('"job.state"'), 10_000, 'the retained state');
    for (let i = 0; i < 4; i++) {
      const r = await runMam(m.tw, ['emit', 'job.progress', '--job', 'W1', '--field', `message=step ${i}`]);
      expect(r.exitCode, String(r.stderr)).toBe(0);
    }
    await waitFor(
      () => out.split('\n').filter((l) => l.includes('"job.state"')).length >= 5,
      10_000,
      'five state messages',
    );
    watch.kill('SIGTERM');
    await watch;
    const states = out
      .split('\n')
      .filter((l) => l.includes('"job.state"'))
      .map((l) => JSON.parse(l) as { seq: number; body: unknown });
    const bySeq = new Map<number, string>();
    for (const s of states) {
      const body = JSON.stringify(s.body);
      // The retained copy of one message may come twice (at subscribe and live): same seq, same content.
      expect(bySeq.get(s.seq) ?? body, `seq ${s.seq}`).toBe(body);
      bySeq.set(s.seq, body);
    }
    expect(bySeq.size).toBeGreaterThanOrEqual(4);
  });
});
