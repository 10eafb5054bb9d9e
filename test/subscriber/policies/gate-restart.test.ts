/**
 * A quality gate across a kill -9 of a real `mam reconcile` process: the kill lands while the
 * gate runs; after the restart what is left of that run is stopped, the run is recorded as
 * interrupted (not an attempt), the gate runs again to its end, and the job ends exactly once.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';
import { topics } from '../../../core/topics.js';
import type { Registry } from '../../../subscriber/registry/registry.js';
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

// Counts its launches and its ends; reports done once and stays until mam ends it.
const AGENT = `echo launched >> launches
trap 'echo ended >> ends; exit 0' INT TERM
echo ok > out.txt
mam emit job.done || exit 1
sleep 600 & wait`;
// Each run says it started and, after a while, that it finished.
const GATE = 'echo run >> gate-runs; sleep 3; echo finished >> gate-runs; grep -q ok out.txt';

const lines = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n') : []);

describe('a gate across a reconciler kill -9', () => {
  it('runs again to its end after the restart; the job ends exactly once', { timeout: 120_000 }, async () => {
    m = await startMesh({
      sessions: { tmuxSocket: `test-${randomBytes(4).toString('hex')}`, isolation: 'none', killGraceMs: 300 },
      reconciler: { sweepIntervalMs: 300 },
    });
    const mesh = m;
    const id = 'gated';
    const dir = join(mesh.tw.root, 'work', id);
    mkdirSync(dir, { recursive: true });
    let rec = await spawnReconciler(mesh);
    const op = await mesh.connect();
    await publishAll(op, [
      sealEvent(mesh, {
        job: id,
        seq: 1,
        sender: 'operator',
        type: 'control.create',
        topic: topics.control(mesh.ns, mesh.host),
        body: {
          agent: 'command',
          workdir: dir,
          command: ['sh', '-c', AGENT],
          backend: 'tmux',
          worktree: false,
          gate: GATE,
          gateAttempts: 1,
        },
      }),
    ]);
    const read = <T>(fn: (reg: Registry) => T) => readRegistry(mesh.ctx.ws.db, fn);
    await waitFor(
      () => lines(join(dir, 'gate-runs')).length === 1 && !!read((reg) => reg.latestCheck(id)?.started_at),
      30_000,
      'the gate to start',
    );
    expect(read((reg) => reg.getJob(id)!.state)).toBe('testing');
    await rec.stop('SIGKILL');

    rec = await spawnReconciler(mesh);
    await waitFor(
      () => read((reg) => reg.getJob(id)!.state === 'done' && !!reg.getSession(id, 1)?.ended_at),
      30_000,
      'done and its session ended',
    ).catch((err: Error) => {
      throw new Error(
        `${err.message}: ${read((reg) => JSON.stringify([reg.getJob(id), reg.checksOf(id)]))}\n${rec.stderr()}`,
      );
    });
    // The interrupted run was stopped before it finished; the second ran to its end.
    expect(lines(join(dir, 'gate-runs'))).toEqual(['run', 'run', 'finished']);
    const checks = read((reg) => reg.checksOf(id));
    expect(checks.map((c) => [c.n, c.gen, c.result])).toEqual([
      [1, 1, 'interrupted'],
      [2, 1, 'passed'],
    ]);
    const jobDir = mesh.ctx.ws.jobDir(id);
    expect(readFileSync(join(jobDir, 'gate-1.log'), 'utf8')).not.toMatch(/^# exit/m);
    expect(readFileSync(join(jobDir, 'gate-2.log'), 'utf8')).toMatch(/^# exit 0/m);
    const job = read((reg) => reg.getJob(id)!);
    expect(job.gen).toBe(1);
    expect(job.gate_runs, 'an interrupted run is not an attempt').toBe(1);
    expect(job.reason).toMatch(/quality gate run 2 passed/);
    // Launched once, ended once.
    expect(lines(join(dir, 'launches'))).toEqual(['launched']);
    await waitFor(() => lines(join(dir, 'ends')).length > 0, 10_000, 'the agent to see its end');
    await new Promise((r) => setTimeout(r, 1000));
    expect(lines(join(dir, 'ends'))).toEqual(['ended']);
    expect(read((reg) => reg.getSession(id, 1)!.end_reason)).toMatch(/quality gate run 2 passed/);
    expect(await rec.stop('SIGTERM')).toBe(0);
  });
});
