/**
 * Schedules start workflow runs: fired by the reconciler's sweep, each firing starts a run whose
 * steps go to done; while the reconciler is down the missed firing times fire once on restart,
 * never once each. A schedule whose workflow no longer starts records why and moves on.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHost, type TestHost } from '../helpers/host/index.js';
import { waitFor } from '../helpers/wait.js';

const WORKFLOW = `params:
  - name: word
    type: string
    required: true
steps:
  - id: say
    agent: command
    command: [sh, -c, 'mam emit job.done --field "summary={{params.word}}" || exit 1; exec sleep 600']
`;

describe('scheduled runs', () => {
  let h: TestHost;
  const firings = () => h.read((reg) => reg.scheduleFirings('tick'));

  beforeAll(async () => {
    h = await startHost({ config: { sessions: { isolation: 'none' } } });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('fires a run every two seconds; a downtime of five fires once on restart, and that run completes', async () => {
    const file = join(h.tw.root, 'tick.yaml');
    writeFileSync(file, WORKFLOW);
    const add = await h.mam(['schedule', 'add', file, '--cron', '*/2 * * * * *', '--param', 'word=hello']);
    expect(add.exitCode, String(add.stderr)).toBe(0);
    await waitFor(() => firings().length >= 1, 15_000, 'a first firing');
    const first = firings()[0]!;
    expect(first.error).toBeNull();
    await waitFor(() => h.read((reg) => reg.getRun(first.run!)?.state) === 'done', 30_000, 'its run done');

    let downAt = 0;
    let upAt = 0;
    await h.restartDaemon(async () => {
      downAt = Date.now();
      await sleep(5000);
      upAt = Date.now();
    });
    // Past the first sweep after restart and one more firing time.
    await waitFor(
      () => firings().some((f) => f.fired_at >= upAt && f.due_at >= upAt),
      15_000,
      'a firing due after restart',
    );
    const late = firings().filter((f) => f.due_at > downAt && f.due_at < upAt);
    expect(late, 'the missed times fire as one').toHaveLength(1);
    expect(late[0]!.missed).toBeGreaterThanOrEqual(1);
    expect(late[0]!.fired_at).toBeGreaterThanOrEqual(upAt);
    const run = late[0]!.run!;
    expect(run).toMatch(/^tick-[0-9a-z]+$/);
    await waitFor(() => h.read((reg) => reg.getRun(run)?.state) === 'done', 30_000, `run ${run} done`);
    const jobs = h.read((reg) => reg.runSteps(run));
    expect(jobs.map((j) => j.job)).toEqual([`${run}-say-1`]);
    // Every firing started its own run, none twice.
    const runs = firings().map((f) => f.run);
    expect(new Set(runs).size).toBe(runs.length);
    expect((await h.mam(['schedule', 'remove', 'tick'])).exitCode).toBe(0);
  });

  it('a kept workflow that no longer starts (a required param missing) records the error and starts nothing', async () => {
    const file = join(h.tw.root, 'broken.yaml');
    writeFileSync(file, WORKFLOW);
    const before = h.read((reg) => reg.listRuns().length);
    expect((await h.mam(['schedule', 'add', file, '--cron', '* * * * * *'])).exitCode).toBe(0);
    await waitFor(() => h.read((reg) => reg.scheduleFirings('broken').length) >= 2, 15_000, 'two firings');
    const [f] = h.read((reg) => reg.scheduleFirings('broken'));
    expect(f!.run).toBeNull();
    expect(f!.error).toMatch(/param "word" is required/);
    expect(h.read((reg) => reg.listRuns().length)).toBe(before);
    expect((await h.mam(['schedule', 'remove', 'broken'])).exitCode).toBe(0);
  });
});
