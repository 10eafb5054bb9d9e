import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isMamError } from '../../core/errors.js';
import { runMam } from '../helpers/workspace.js';
import {
  count,
  killReconcilers,
  seedJobs,
  spawnReconciler,
  startMesh,
  startReconciler,
  waitUntil,
  type Mesh,
} from '../helpers/reconciler.js';

let m: Mesh;
beforeEach(async () => {
  m = await startMesh();
});
afterEach(async () => {
  await killReconcilers();
  await m?.close();
});

describe('one reconciler per registry', () => {
  it('refuses a second `mam reconcile` on the workspace, naming the running one, and changes nothing', async () => {
    const first = await spawnReconciler(m);
    const second = await runMam(m.tw, ['reconcile'], { timeout: 20_000 });
    expect(second.exitCode).toBe(1);
    expect(second.stderr).toContain(`another reconciler (pid ${first.pid}) is already running`);
    expect(second.stderr).toMatch(/mam down/);
    // The first still owns the session and the database: it goes on committing.
    await seedJobs(m, await m.connect(), ['L1']);
    await waitUntil(
      () => count(m, "SELECT COUNT(*) AS n FROM jobs WHERE id = 'L1'"),
      1,
      'the job created through the first reconciler',
    );
    expect(await first.stop('SIGTERM')).toBe(0);
  }, 60_000);

  it('is free again at once after the holder is killed with SIGKILL (no stale lock)', async () => {
    const first = await spawnReconciler(m);
    await first.stop('SIGKILL');
    const again = await spawnReconciler(m);
    await seedJobs(m, await m.connect(), ['L2']);
    await waitUntil(
      () => count(m, "SELECT COUNT(*) AS n FROM jobs WHERE id = 'L2'"),
      1,
      'the job created through the restarted reconciler',
    );
    expect(await again.stop('SIGTERM')).toBe(0);
  }, 60_000);

  it('refuses a second reconciler in the same process until the first has closed', async () => {
    const first = await startReconciler(m);
    const refused = await startReconciler(m).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(isMamError(refused, 'RECONCILER_RUNNING')).toBe(true);
    expect((refused as Error).message).toContain(`pid ${process.pid}`);
    // The refusal left the holder's lock alone: another process is refused too.
    const other = await runMam(m.tw, ['reconcile'], { timeout: 20_000 });
    expect(other.exitCode).toBe(1);
    expect(other.stderr).toContain(`another reconciler (pid ${process.pid})`);
    await first.close();
    const next = await startReconciler(m);
    await next.close();
  }, 60_000);
});
