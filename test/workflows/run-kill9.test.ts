/**
 * A run across three kill -9s of its owning `mam reconcile` process: a 39-step run of `command`
 * agents behind sessions.maxConcurrent 4. Every step is launched exactly once, the run
 * completes, and no session is left behind.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';
import { killReconcilers, spawnReconciler, startMesh, waitUntil, type Mesh } from '../helpers/reconciler.js';
import { readRegistry, runMam } from '../helpers/workspace.js';

let m: Mesh | undefined;
afterEach(async () => {
  await killReconcilers();
  if (m) await execa('tmux', ['-L', m.ctx.cfg.sessions.tmuxSocket, 'kill-server'], { reject: false });
  await m?.close();
});

// Each launch leaves a line; done once; stays until mam ends it.
const AGENT = `[sh, -c, 'echo "$MAM_JOB_ID" >> launches; mam emit job.done --field summary=ok || exit 1; exec sleep 600']`;
// Reviews: NOT_PASS unless the test left pass-<reviewer job> in the workdir.
const REVIEWER = String.raw`[sh, -c, 'echo "$MAM_JOB_ID" >> launches; if [ -f "pass-$MAM_JOB_ID" ]; then mam verdict PASS; else mam verdict NOT_PASS --finding "not yet"; fi; mam emit job.done; exec sleep 600']`;
const ITEMS = Array.from({ length: 36 }, (_, i) => `i${i}`);
const WORKFLOW = `params:
  - name: items
    type: list
steps:
  - id: first
    agent: command
    command: ${AGENT}
    review: { agent: command, command: ${REVIEWER} }
  - id: work
    agent: command
    foreach: items
    needs: [first]
    command: ${AGENT}
  - id: mid
    agent: command
    needs: [work]
    command: ${AGENT}
    review: { agent: command, command: ${REVIEWER} }
  - id: last
    agent: command
    needs: [mid]
    command: ${AGENT}
`;

describe('a run across kill -9s of its reconciler', () => {
  it('launches each of 43 jobs (39 steps, a review loop) exactly once and completes', {
    timeout: 600_000,
  }, async () => {
    m = await startMesh({
      sessions: { maxConcurrent: 4, isolation: 'none', killGraceMs: 300 },
      reconciler: { sweepIntervalMs: 300 },
    });
    const mesh = m;
    const file = join(mesh.tw.root, 'forty.yaml');
    writeFileSync(file, WORKFLOW);
    // first passes its second round, mid its first.
    for (const reviewer of ['k9-first-2-rv', 'k9-mid-1-rv']) writeFileSync(join(mesh.tw.root, `pass-${reviewer}`), '');
    let rec = await spawnReconciler(mesh);
    const started = await runMam(mesh.tw, [
      'run',
      file,
      '--id',
      'k9',
      '--workdir',
      mesh.tw.root,
      '--param',
      `items=${ITEMS.join(',')}`,
    ]);
    expect(started.exitCode, String(started.stderr)).toBe(0);
    const done = () =>
      readRegistry(
        mesh.ctx.ws.db,
        (reg) => reg.runSteps('k9').filter((r) => reg.getJob(r.job)?.state === 'done').length,
      );
    for (const at of [3, 14, 26]) {
      await waitUntil(done, at, `${at} steps done`, 120_000);
      await rec.stop('SIGKILL');
      rec = await spawnReconciler(mesh);
    }
    const state = () => readRegistry(mesh.ctx.ws.db, (reg) => reg.getRun('k9')?.state);
    await waitUntil(() => (state() === 'done' ? 1 : 0), 1, 'the run done', 180_000).catch((err: Error) => {
      const jobs = readRegistry(mesh.ctx.ws.db, (reg) =>
        reg
          .runSteps('k9')
          .map((r) => `${r.job}=${reg.getJob(r.job)?.state}`)
          .join(' '),
      );
      throw new Error(`${err.message}: it is ${state()}; ${jobs}\n${rec.stderr()}`);
    });
    const steps = readRegistry(mesh.ctx.ws.db, (reg) => reg.runSteps('k9'));
    // 39 steps' jobs, and the review loop's: first's two rounds and reviews, mid's one review.
    expect(steps).toHaveLength(43);
    expect(
      steps
        .filter((s) => s.attempt !== 1)
        .map((s) => s.job)
        .sort(),
    ).toEqual(['k9-first-2', 'k9-first-2-rv']);
    const lines = readFileSync(join(mesh.tw.root, 'launches'), 'utf8').trim().split('\n').sort();
    expect(lines, 'every step launched exactly once').toEqual(steps.map((s) => s.job).sort());
    // Every session ends after its verified done (the last one's just after the run is done); none is left in tmux.
    const ended = () =>
      readRegistry(mesh.ctx.ws.db, (reg) => steps.filter((s) => reg.getSession(s.job, 1)?.ended_at).length);
    await waitUntil(ended, 43, 'every session ended', 30_000);
    const ls = await execa('tmux', ['-L', mesh.ctx.cfg.sessions.tmuxSocket, 'list-sessions', '-F', '#{session_name}'], {
      reject: false,
    });
    expect(String(ls.stdout).trim()).toBe('');
    expect(await rec.stop('SIGTERM')).toBe(0);
  });
});
