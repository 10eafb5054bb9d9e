import { copyFileSync, renameSync, rmSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { killReconcilers, seedJobs, spawnReconciler, startMesh, type Mesh } from '../helpers/reconciler.js';
import { runMam } from '../helpers/workspace.js';

let m: Mesh | undefined;
afterEach(async () => {
  await killReconcilers();
  await m?.close();
  m = undefined;
});

interface Check {
  name: string;
  status: string;
  detail: string;
  fix?: string;
}
const registryCheck = async (mesh: Mesh) => {
  const r = await runMam(mesh.tw, ['doctor', '--json']);
  return (JSON.parse(String(r.stdout)) as { checks: Check[] }).checks.find((c) => c.name === 'registry')!;
};
const within = <T>(p: Promise<T>, ms: number) =>
  Promise.race([p, new Promise<'still running'>((r) => setTimeout(() => r('still running'), ms))]);

describe('a registry deleted or replaced under the reconciler', () => {
  it('deleted: doctor fails the registry check; the next message is not acknowledged and the reconciler exits 3 saying why', async () => {
    m = await startMesh({ reconciler: { sweepIntervalMs: 3_600_000 }, emit: { ackTimeoutMs: 2000 } });
    const rec = await spawnReconciler(m);
    await seedJobs(m, await m.connect(), ['R1']);
    expect((await registryCheck(m)).status).toBe('ok');
    rmSync(m.ctx.ws.db);
    const check = await registryCheck(m);
    expect(check.status).toBe('fail');
    expect(check.detail).toMatch(/deleted/);
    const emit = await runMam(m.tw, ['emit', 'job.progress', '--job', 'R1', '--field', 'message=after delete']);
    expect(emit.exitCode, String(emit.stderr)).toBe(75);
    expect(await within(rec.exited, 10_000)).toBe(3);
    expect(rec.stderr()).toMatch(/was deleted while the reconciler ran/);
    expect(rec.stderr()).toMatch(/hint: /);
  });

  it('replaced: the sweep notices without any message and the reconciler exits 3', async () => {
    m = await startMesh({ reconciler: { sweepIntervalMs: 200 } });
    const rec = await spawnReconciler(m);
    const db = m.ctx.ws.db;
    copyFileSync(db, `${db}.copy`);
    renameSync(`${db}.copy`, db);
    expect(await within(rec.exited, 10_000)).toBe(3);
    expect(rec.stderr()).toMatch(/was replaced while the reconciler ran/);
  });
});
