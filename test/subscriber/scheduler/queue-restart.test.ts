/**
 * The queue across a kill -9 of a real `mam reconcile` process: 100 jobs queued behind
 * sessions.maxConcurrent 4; after the restart every job runs exactly once and none is forgotten.
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
  waitUntil,
  type Mesh,
} from '../../helpers/reconciler.js';
import { readRegistry } from '../../helpers/workspace.js';

let m: Mesh | undefined;
afterEach(async () => {
  await killReconcilers();
  if (m) await execa('tmux', ['-L', m.ctx.cfg.sessions.tmuxSocket, 'kill-server'], { reject: false });
  await m?.close();
});

// Counts its own launches in its workdir, reports done, and stays until mam ends it.
const AGENT =
  'echo launched >> launches; echo ok > out.txt; mam emit job.done --field summary=ok || exit 1; exec sleep 600';

describe('the queue across a reconciler kill -9', () => {
  it('100 queued jobs: nothing launched twice, nothing lost', { timeout: 600_000 }, async () => {
    m = await startMesh({
      sessions: { maxConcurrent: 4, isolation: 'none', killGraceMs: 300 },
      reconciler: { sweepIntervalMs: 300 },
    });
    const mesh = m;
    const ids = Array.from({ length: 100 }, (_, i) => `q${i}`);
    const dir = (id: string) => join(mesh.tw.root, 'work', id);
    let rec = await spawnReconciler(mesh);
    const op = await mesh.connect();
    await publishAll(
      op,
      ids.map((id) => {
        mkdirSync(dir(id), { recursive: true });
        return sealEvent(mesh, {
          job: id,
          seq: 1,
          sender: 'operator',
          type: 'control.create',
          topic: topics.control(mesh.ns, mesh.host),
          body: {
            agent: 'command',
            workdir: dir(id),
            command: ['sh', '-c', AGENT],
            backend: 'tmux',
            expect: ['out.txt'],
            worktree: false,
          },
        });
      }),
    );
    const done = () =>
      readRegistry(mesh.ctx.ws.db, (reg) => ids.filter((id) => reg.getJob(id)?.state === 'done').length);
    await waitUntil(done, 10, 'the first jobs done', 60_000);
    await rec.stop('SIGKILL');
    const atKill = done();
    expect(atKill, 'the kill lands with jobs still queued').toBeLessThan(90);
    rec = await spawnReconciler(mesh);
    const ended = () =>
      readRegistry(
        mesh.ctx.ws.db,
        (reg) => ids.filter((id) => reg.getJob(id)?.state === 'done' && reg.getSession(id, 1)?.ended_at).length,
      );
    await waitUntil(ended, 100, 'every job done and its session ended', 480_000).catch((err: Error) => {
      throw new Error(
        `${err.message}\n${readRegistry(mesh.ctx.ws.db, (reg) => ids.map((id) => `${id}=${reg.getJob(id)?.state}(${reg.getJob(id)?.reason})`).join(' '))}\n${rec.stderr()}`,
      );
    });
    const launches = ids.map(
      (id) =>
        [
          id,
          readFileSync(join(dir(id), 'launches'), 'utf8')
            .trim()
            .split('\n').length,
        ] as const,
    );
    expect(
      launches.filter(([, n]) => n !== 1),
      'jobs not launched exactly once',
    ).toEqual([]);
    expect(readRegistry(mesh.ctx.ws.db, (reg) => ids.filter((id) => reg.getJob(id)!.gen !== 1))).toEqual([]);
    expect(await rec.stop('SIGTERM')).toBe(0);
  });
});
