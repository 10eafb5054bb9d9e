/**
 * `mam run stop` through the real broker, reconciler and tmux: the run's waiting jobs are cancelled
 * before they launch and its live sessions are ended, in the commit of the signed run.stop; nothing
 * launches while it is stopped; `mam run resume` gives every cancelled step a new attempt.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHost, type TestHost } from '../helpers/host/index.js';
import { waitFor } from '../helpers/wait.js';

// Reports started, waits for the test's `go` in the run's folder, reports done, stays until mam ends it.
const WAITS = `[sh, -c, 'mam emit job.started || exit 1; while [ ! -f go ]; do sleep 0.05; done; mam emit job.done || exit 1; exec sleep 600']`;

const WORKFLOW = `name: halt
params:
  - name: parts
    type: list
    required: true
steps:
  - id: work
    agent: command
    foreach: parts
    command: ${WAITS}
  - id: after
    agent: command
    needs: [work]
    command: ${WAITS}
`;

describe('run stop and resume', () => {
  let h: TestHost;
  beforeAll(async () => {
    // Two slots: the third item's job waits in the queue.
    h = await startHost({ config: { sessions: { isolation: 'none', maxConcurrent: 2 } } });
  });
  afterAll(async () => {
    await h?.close();
  });

  it("cancels the run's queued jobs, ends its live sessions, launches nothing more; resume starts them again", async () => {
    const dir = join(h.tw.root, 'halt');
    mkdirSync(dir);
    const file = join(dir, 'halt.yaml');
    writeFileSync(file, WORKFLOW);
    const r = await h.mam(['run', file, '--id', 'halt', '--workdir', dir, '--param', 'parts=a,b,c']);
    expect(r.exitCode, String(r.stderr)).toBe(0);
    const jobs = ['halt-work-0-1', 'halt-work-1-1', 'halt-work-2-1'];
    await waitFor(
      () => jobs.filter((j) => h.job(j)?.state === 'running').length === 2 && h.job(jobs[2]!)?.state === 'queued',
      30_000,
      'two items running and the third queued',
    ).catch((err) => {
      throw new Error(`${err}: ${jobs.map((j) => h.job(j)?.state).join(', ')}\n${h.logs()}`);
    });
    const live = await Promise.all(jobs.slice(0, 2).map((j) => h.waitSession(j)));

    const stop = await h.mam(['run', 'stop', 'halt']);
    expect(stop.exitCode, String(stop.stderr)).toBe(0);
    expect(String(stop.stdout)).toMatch(/run halt stopped/);
    expect(h.read((reg) => reg.getRun('halt')!.state)).toBe('stopped');
    for (const j of jobs) {
      const row = await h.waitJob(j, (x) => x.state === 'cancelled', 'cancelled by the stop');
      expect(row.reason).toBe(`run halt stopped by operator@${h.ctx.cfg.host}`);
    }
    // The live sessions are ended through terminate-session; the queued job never got one.
    for (const s of live) {
      await waitFor(() => !!h.session(s.job, s.gen)?.ended_at, 20_000, `session of ${s.job} ended`);
      await waitFor(async () => !(await h.sessionAlive(s)), 20_000, `session of ${s.job} gone`);
    }
    expect(h.session(jobs[2]!, 0)).toBeUndefined();
    expect(h.session(jobs[2]!, 1)).toBeUndefined();
    await h.sweeps(2);
    expect(h.read((reg) => reg.runSteps('halt')).map((s) => s.job)).toEqual(jobs);
    expect(h.read((reg) => reg.getRun('halt')!.state)).toBe('stopped');
    // A second stop is refused: the run is not running.
    expect((await h.mam(['run', 'stop', 'halt'])).exitCode).toBe(65);

    writeFileSync(join(dir, 'go'), '');
    const resume = await h.mam(['run', 'resume', 'halt']);
    expect(resume.exitCode, String(resume.stderr)).toBe(0);
    await waitFor(() => h.read((reg) => reg.getRun('halt')!.state) === 'done', 60_000, 'run done').catch(() => {
      throw new Error(`run is ${h.read((reg) => reg.getRun('halt')?.state)}\n${h.logs()}`);
    });
    const steps = h.read((reg) => reg.runSteps('halt'));
    expect(steps.map((s) => s.job).sort()).toEqual(
      [...jobs, 'halt-work-0-2', 'halt-work-1-2', 'halt-work-2-2', 'halt-after-1'].sort(),
    );
    for (const j of jobs) expect(h.job(j)!.state).toBe('cancelled');
  });
});
