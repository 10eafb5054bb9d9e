/**
 * A step whose job is lost (its tmux session killed behind mam's back, so the drift sweep marks it
 * lost) through the real broker, reconciler and tmux: with no retry left the step fails, the steps
 * that need it are cancelled, a `needs_any` alternative still goes on, and the run ends failed;
 * with a retry left the step's retries policy comes first and the run finishes.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHost, type TestHost } from '../helpers/host/index.js';
import { waitFor } from '../helpers/wait.js';

const DONE = `[sh, -c, 'mam emit job.done || exit 1; exec sleep 600']`;
// Reports started and stays: the test kills its session.
const STAYS = `[sh, -c, 'mam emit job.started || exit 1; exec sleep 600']`;
// The first generation stays (and is killed); the retry finds its mark and reports done.
const SECOND_DONE = `[sh, -c, 'if [ -f once ]; then mam emit job.done || exit 1; else touch once; mam emit job.started || exit 1; fi; exec sleep 600']`;

const LOST = `name: lost
steps:
  - id: a
    agent: command
    command: ${STAYS}
  - id: b
    agent: command
    command: ${DONE}
  - id: c
    agent: command
    needs_any: [a, b]
    command: ${DONE}
  - id: d
    agent: command
    needs: [a]
    command: ${DONE}
  - id: e
    agent: command
    needs: [d]
    command: ${DONE}
`;

const RETRIED = `name: retried
steps:
  - id: a
    agent: command
    retries: 1
    command: ${SECOND_DONE}
  - id: z
    agent: command
    needs: [a]
    command: ${DONE}
`;

describe('a lost step job', () => {
  let h: TestHost;
  const runOf = (id: string) => h.read((reg) => reg.getRun(id));
  const start = async (name: string, text: string) => {
    const dir = join(h.tw.root, name);
    mkdirSync(dir);
    writeFileSync(join(dir, 'wf.yaml'), text);
    const r = await h.mam(['run', join(dir, 'wf.yaml'), '--id', name, '--workdir', dir]);
    expect(r.exitCode, String(r.stderr)).toBe(0);
  };
  const killSession = async (job: string) => {
    await h.waitJob(job, (j) => j.state === 'running', 'running');
    const s = await h.waitSession(job);
    expect((await h.tmux('kill-session', '-t', `=${s.name}`)).ok).toBe(true);
  };
  const waitRun = (id: string, state: string) =>
    waitFor(() => runOf(id)?.state === state, 60_000, `run ${id} ${state}`).catch(() => {
      throw new Error(`run ${id} is ${runOf(id)?.state} (${runOf(id)?.reason})\n${h.logs()}`);
    });

  beforeAll(async () => {
    h = await startHost({
      config: { sessions: { isolation: 'none' }, policies: { backoffMinMs: 100, backoffMaxMs: 200 } },
    });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('with no retry left: the step fails, what needs it is cancelled, an alternative goes on, the run fails', async () => {
    await start('lost', LOST);
    await killSession('lost-a-1');
    await h.waitJob('lost-a-1', (j) => j.state === 'lost', 'lost after its session vanished');
    await waitRun('lost', 'failed');
    expect(runOf('lost')!.reason).toBe('step a failed; cancelled, as they depend on it: d, e');
    // c needed a or b: b was done, so c ran.
    expect(h.job('lost-c-1')!.state).toBe('done');
    expect(h.read((reg) => reg.runSteps('lost')).map((s) => s.job)).toEqual(['lost-a-1', 'lost-b-1', 'lost-c-1']);
    const shown = String((await h.mam(['run', 'show', 'lost'])).stdout);
    expect(shown).toMatch(/run lost on \S+: failed \(step a failed; cancelled, as they depend on it: d, e\)/);
  });

  it("with a retry left: the step's retries policy relaunches it and the run finishes", async () => {
    await start('retried', RETRIED);
    await killSession('retried-a-1');
    await waitRun('retried', 'done');
    const a = h.job('retried-a-1')!;
    expect(a).toMatchObject({ state: 'done', gen: 2, attempts: 1 });
    expect(h.job('retried-z-1')!.state).toBe('done');
  });
});
