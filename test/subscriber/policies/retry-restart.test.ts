/**
 * A retry's backoff across a kill -9 of a real `mam reconcile` process: the deadline is in the
 * registry, so the restarted reconciler launches the retry once, at or after it.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';
import { topics } from '../../../core/topics.js';
import {
  killReconcilers,
  publishAll,
  sealEvent,
  spawnReconciler,
  startMesh,
  type Mesh,
} from '../../helpers/reconciler.js';
import { readRegistry } from '../../helpers/workspace.js';
import { waitFor } from '../../helpers/wait.js';

let m: Mesh | undefined;
afterEach(async () => {
  await killReconcilers();
  if (m) await execa('tmux', ['-L', m.ctx.cfg.sessions.tmuxSocket, 'kill-server'], { reject: false });
  await m?.close();
});

// Counts its launches by generation; the first fails, the second is done.
const AGENT = `echo "$MAM_GEN" >> launches
if [ "$MAM_GEN" = 1 ]; then mam emit job.failed --field reason=flaky || exit 1
else echo ok > out.txt; mam emit job.done --field summary=ok || exit 1; fi
exec sleep 600`;

describe('a retry across a reconciler kill -9', () => {
  it('killed during the backoff: after the restart the retry launches once, at its deadline', {
    timeout: 120_000,
  }, async () => {
    // Sweeps a minute apart: the retry is on time by the reconciler's timer, not by a sweep.
    m = await startMesh({ sessions: { isolation: 'none', killGraceMs: 300 }, reconciler: { sweepIntervalMs: 60_000 } });
    const mesh = m;
    const dir = join(mesh.tw.root, 'work', 'r1');
    mkdirSync(dir, { recursive: true });
    const job = () => readRegistry(mesh.ctx.ws.db, (reg) => reg.getJob('r1'));
    let rec = await spawnReconciler(mesh);
    const op = await mesh.connect();
    await publishAll(op, [
      sealEvent(mesh, {
        job: 'r1',
        seq: 1,
        sender: 'operator',
        type: 'control.create',
        topic: topics.control(mesh.ns, mesh.host),
        body: {
          agent: 'command',
          workdir: dir,
          command: ['sh', '-c', AGENT],
          backend: 'tmux',
          expect: ['out.txt'],
          worktree: false,
          retries: 2,
          backoffMinMs: 8000,
          backoffMaxMs: 8000,
        },
      }),
    ]);
    await waitFor(() => job()?.state === 'retrying', 30_000, 'retrying after the first failure');
    const deadline = job()!.not_before!;
    await rec.stop('SIGKILL');
    expect(Date.now(), 'killed inside the backoff').toBeLessThan(deadline);
    expect(job()).toMatchObject({ state: 'retrying', attempts: 1, gen: 1 });

    rec = await spawnReconciler(mesh);
    await waitFor(() => job()?.state === 'done', 60_000, 'done in the second generation').catch((err: Error) => {
      throw new Error(`${err.message}: ${JSON.stringify(job())}\n${rec.stderr()}`);
    });
    const second = readRegistry(mesh.ctx.ws.db, (reg) => reg.getSession('r1', 2))!;
    expect(second.started_at, 'not before the deadline').toBeGreaterThanOrEqual(deadline);
    expect(second.started_at - deadline, 'on time').toBeLessThan(3000);
    expect(readFileSync(join(dir, 'launches'), 'utf8').trim().split('\n'), 'each generation launched once').toEqual([
      '1',
      '2',
    ]);
    expect(job()).toMatchObject({ gen: 2, attempts: 1 });
    expect(await rec.stop('SIGTERM')).toBe(0);
  });
});
