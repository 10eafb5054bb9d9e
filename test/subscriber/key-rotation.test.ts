import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Reconciler } from '../../subscriber/reconciler.js';
import { count, seedJobs, startMesh, startReconciler, type Mesh } from '../helpers/reconciler.js';
import { runMam } from '../helpers/workspace.js';

let m: Mesh;
let rec: Reconciler | undefined;

beforeAll(async () => {
  m = await startMesh({ emit: { ackTimeoutMs: 5000 } });
  rec = await startReconciler(m);
  await seedJobs(m, await m.connect(), ['K1']);
});
afterAll(async () => {
  await rec?.close();
  await m?.close();
});

describe('mam keys rotate while the reconciler runs', () => {
  it('events signed with the new key are committed without a restart', async () => {
    const before = JSON.parse(String((await runMam(m.tw, ['keys', 'list', '--json'])).stdout)).active as string;
    const rot = await runMam(m.tw, ['keys', 'rotate', '--json']);
    expect(rot.exitCode, String(rot.stderr)).toBe(0);
    const after = JSON.parse(String(rot.stdout)).active as string;
    expect(after).not.toBe(before);
    const r = await runMam(m.tw, ['emit', 'job.progress', '--job', 'K1', '--field', 'message=new key', '--json']);
    expect(r.exitCode, String(r.stderr)).toBe(0);
    expect(JSON.parse(String(r.stdout)).committed).toBe(true);
    expect(count(m, "SELECT COUNT(*) AS n FROM rejections WHERE reason = 'unknown_key_id'")).toBe(0);
  });
});
