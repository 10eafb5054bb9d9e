/**
 * Workflow runs through the real broker, reconciler and tmux: `mam run` starts a run whose steps
 * launch as jobs once what they need is done, a fan-out of 20 items and its fan-in, needs_any,
 * predecessors' summaries in prompts, `mam run show` and `mam runs`, stop and resume.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHost, type TestHost } from '../helpers/host/index.js';
import { waitFor } from '../helpers/wait.js';

// Keeps its prompt, reports done with a summary, stays until mam ends it.
const STEP = (summary: string) =>
  `[sh, -c, 'printf %s "$MAM_PROMPT" > "$MAM_JOB_ID.prompt"; mam emit job.done --field "summary=${summary}" || exit 1; exec sleep 600']`;

const FAN = `name: fan
params:
  - name: modules
    type: list
    required: true
steps:
  - id: plan
    agent: command
    command: ${STEP('planned it')}
  - id: impl
    agent: command
    foreach: modules
    needs: [plan]
    prompt: "do {{item}} of {{params.modules}}; plan said {{steps.plan.summary}}"
    command: ${STEP('did {{item}}')}
  - id: join
    agent: command
    needs: [impl]
    prompt: "join {{steps.impl.job}}"
    command: ${STEP('joined')}
`;

// `slow` waits for the test's file; `first` needs either and goes as soon as `fast` is done.
const ANY = `steps:
  - id: fast
    agent: command
    command: ${STEP('fast')}
  - id: slow
    agent: command
    command: [sh, -c, 'while [ ! -f release ]; do sleep 0.05; done; mam emit job.done || exit 1; exec sleep 600']
  - id: first
    agent: command
    needs_any: [fast, slow]
    command: ${STEP('first')}
`;

interface Shown {
  run: { id: string; state: string; reason: string | null };
  steps: Array<{ id: string; items: Array<{ state: string; job: string | null; attempts: number; value?: string }> }>;
}

describe('workflow runs', () => {
  let h: TestHost;
  const show = async (id: string) => JSON.parse(String((await h.mam(['run', 'show', id, '--json'])).stdout)) as Shown;
  const start = async (file: string, ...args: string[]) => {
    const r = await h.mam(['run', file, '--workdir', h.tw.root, ...args]);
    expect(r.exitCode, `${r.stderr}\n${h.logs()}`).toBe(0);
    return String(r.stdout).trim();
  };
  const runState = (id: string) => h.read((reg) => reg.getRun(id)?.state);
  const waitRun = (id: string, state: string, ms = 90_000) =>
    waitFor(() => runState(id) === state, ms, `run ${id} ${state}`).catch(() => {
      throw new Error(`run ${id} is ${runState(id)}\n${h.logs()}`);
    });

  beforeAll(async () => {
    h = await startHost({ config: { sessions: { isolation: 'none', maxConcurrent: 8 } } });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('fans out one job per item after the plan, fans in once all are done, and hands summaries on', async () => {
    const file = join(h.tw.root, 'fan.yaml');
    writeFileSync(file, FAN);
    const modules = Array.from({ length: 20 }, (_, i) => `m${i}`);
    const id = await start(file, '--param', `modules=${modules.join(',')}`);
    expect(id).toMatch(/^fan-[0-9a-f]{8}$/);
    await waitRun(id, 'done');
    const shown = await show(id);
    expect(shown.run.state).toBe('done');
    const impl = shown.steps.find((s) => s.id === 'impl')!;
    expect(impl.items.map((i) => i.job)).toEqual(modules.map((_, i) => `${id}-impl-${i}-1`));
    expect(impl.items.every((i) => i.state === 'done' && i.attempts === 1)).toBe(true);
    const prompt = (job: string) => readFileSync(join(h.tw.root, `${job}.prompt`), 'utf8');
    expect(prompt(`${id}-impl-7-1`)).toBe(`do m7 of ${modules.join(',')}; plan said planned it`);
    // Fan-in: launched after every item's job was done, its prompt naming all of them.
    const jobs = h.read((reg) => reg.runSteps(id));
    const joinRow = jobs.find((r) => r.step === 'join')!;
    expect(joinRow.job).toBe(`${id}-join-1`);
    const lastImplDone = Math.max(
      ...modules.map((_, i) => h.read((reg) => reg.getJob(`${id}-impl-${i}-1`)!.updated_at)),
    );
    expect(joinRow.decided_at).toBeGreaterThanOrEqual(lastImplDone);
    expect(prompt(joinRow.job)).toBe(`join ${modules.map((_, i) => `${id}-impl-${i}-1`).join(',')}`);
    expect(jobs).toHaveLength(22);
    const listed = JSON.parse(String((await h.mam(['runs', '--json'])).stdout)) as Array<{ id: string; done: number }>;
    expect(listed.find((r) => r.id === id)).toMatchObject({ done: 22 });
    const text = String((await h.mam(['run', 'show', id])).stdout);
    expect(text).toMatch(new RegExp(`run ${id} on testhost: done`));
    expect(text).toMatch(/\n {4}impl \[command\] {2}← plan\n/);
  });

  it('needs_any goes on when one of its steps is done; stop cancels the rest; resume starts it again', async () => {
    const file = join(h.tw.root, 'any.yaml');
    writeFileSync(file, ANY);
    const id = await start(file, '--id', 'any-1');
    await h.waitJob('any-1-first-1', (j) => j.state === 'done', 'first done while slow still waits', 60_000);
    expect(h.job('any-1-slow-1')!.state).toMatch(/^(starting|running)$/);
    expect(runState(id)).toBe('running');
    // A second run of the same id is refused, starting nothing.
    const again = await h.mam(['run', file, '--id', 'any-1']);
    expect(again.exitCode).toBe(65);
    const stop = await h.mam(['run', 'stop', id]);
    expect(stop.exitCode, String(stop.stderr)).toBe(0);
    expect(runState(id)).toBe('stopped');
    // The stop cancelled the step still at work; the done ones stay done.
    await h.waitJob('any-1-slow-1', (j) => j.state === 'cancelled', 'slow cancelled by the stop');
    expect(h.job('any-1-first-1')!.state).toBe('done');
    writeFileSync(join(h.tw.root, 'release'), '');
    await h.sweeps(2);
    expect(runState(id)).toBe('stopped');
    expect((await h.mam(['run', 'resume', id])).exitCode).toBe(0);
    await waitRun(id, 'done');
    expect(h.job('any-1-slow-2')!.state).toBe('done');
    expect((await h.mam(['run', 'resume', id])).exitCode).toBe(65);
    expect((await h.mam(['run', 'show', 'no-such-run'])).exitCode).toBe(4);
    expect(existsSync(join(h.tw.root, 'any-1-first-2.prompt'))).toBe(false);
  });

  it("never adopts a job it did not create: a step's id taken beforehand fails the run, and the job is left alone", async () => {
    // A job made under the id the run's first step would get: the run must not take its outcome as the step's.
    await h.createJob({ id: 'tk-fast-1' });
    await h.waitJob('tk-fast-1', (j) => j.state === 'done', 'the squatter done');
    const file = join(h.tw.root, 'any.yaml');
    const id = await start(file, '--id', 'tk');
    await waitRun(id, 'failed', 30_000);
    expect(h.read((reg) => reg.getRun(id)!.reason)).toBe('job id tk-fast-1 is taken by a job this run did not create');
    expect(h.read((reg) => reg.runSteps(id))).toEqual([]);
    expect(h.job('tk-slow-1')).toBeUndefined();
  });
});
