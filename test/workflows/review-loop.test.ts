/**
 * The review loop of a step: a reviewer job answers with `mam verdict` on itself; NOT_PASS gives
 * the step another round with the findings as its prompt, PASS lets the run go on, rounds
 * exhausted raise an escalation; `followups: create` makes each finding a job waiting for the
 * reviewed one. The step's own agent cannot pass its review.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHost, type TestHost } from '../helpers/host/index.js';
import { waitFor } from '../helpers/wait.js';

// The reviewer passes when the test left pass-<its job id> in the workdir, else finds one thing.
const REVIEWER = String.raw`[sh, -c, 'printf %s "$MAM_PROMPT" > "$MAM_JOB_ID.prompt"; if [ -f "pass-$MAM_JOB_ID" ]; then mam verdict PASS; else mam verdict NOT_PASS --finding-json "{\"message\":\"off by one\",\"severity\":\"major\",\"file\":\"src/a.ts\",\"line\":12}"; fi && mam emit job.done || exit 1; exec sleep 600']`;
const WORKER = `[sh, -c, 'printf %s "$MAM_PROMPT" > "$MAM_JOB_ID.prompt"; mam emit job.done --field summary=built || exit 1; exec sleep 600']`;
// A step's agent that tries to pass its own review: a PASS on its own job, and one on its reviewer's.
const CHEAT = `[sh, -c, 'mam verdict PASS; mam verdict "$MAM_JOB_ID-rv" PASS; mam emit job.done || exit 1; exec sleep 600']`;

const workflow = (rounds: number, followups: string, worker = WORKER) => `steps:
  - id: build
    agent: command
    prompt: "build the thing"
    command: ${worker}
    review:
      agent: command
      prompt: "check the build of {{run}}"
      maxRounds: ${rounds}
      followups: ${followups}
      command: ${REVIEWER}
  - id: ship
    agent: command
    needs: [build]
    prompt: "ship; the review found {{steps.build.findings}}"
    command: ${WORKER}
`;

describe('the review loop', () => {
  let h: TestHost;
  const runOf = (id: string) => h.read((reg) => reg.getRun(id));
  const jobsOf = (id: string) =>
    JSON.stringify(
      h.read((reg) => reg.runSteps(id).map((r) => [r.job, reg.getJob(r.job)?.state, reg.getJob(r.job)?.reason])),
    );
  const prompt = (job: string) => readFileSync(join(h.tw.root, `${job}.prompt`), 'utf8');
  const start = async (id: string, text: string) => {
    const file = join(h.tw.root, `${id}.yaml`);
    writeFileSync(file, text);
    const r = await h.mam(['run', file, '--id', id, '--workdir', h.tw.root]);
    expect(r.exitCode, String(r.stderr)).toBe(0);
  };
  const ended = (id: string) =>
    waitFor(() => runOf(id)?.state !== 'running', 45_000, `run ${id} ended`).catch(() => {
      throw new Error(`${runOf(id)?.state}: ${jobsOf(id)}\n${h.logs()}`);
    });

  beforeAll(async () => {
    h = await startHost({ config: { sessions: { isolation: 'none' } } });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('NOT_PASS → a second round with the findings as its prompt → PASS → the run goes on; a finding becomes a job', async () => {
    writeFileSync(join(h.tw.root, 'pass-rv-build-2-rv'), '');
    await start('rv', workflow(3, 'create'));
    await ended('rv');
    expect(runOf('rv')!.state, `${runOf('rv')!.reason}: ${jobsOf('rv')}`).toBe('done');
    const steps = h.read((reg) => reg.runSteps('rv')).map((r) => `${r.step}/${r.attempt}:${r.job}`);
    expect(steps).toEqual([
      'build/1:rv-build-1',
      'build.review/1:rv-build-1-rv',
      'build/2:rv-build-2',
      'build.review/2:rv-build-2-rv',
      'ship/1:rv-ship-1',
    ]);
    expect(prompt('rv-build-1-rv')).toMatch(/^check the build of rv\n\nReview the work of job rv-build-1 \(round 1\)/);
    expect(prompt('rv-build-2')).toBe(
      'A review of your previous attempt did not pass. Its findings:\n- [major] src/a.ts:12: off by one\n\nFix them.\n\nThe task was:\nbuild the thing',
    );
    const shown = String((await h.mam(['run', 'show', 'rv'])).stdout);
    expect(shown).toMatch(/✔ done {2}rv-build-2 @testhost {2}attempts 2\n {6}review round 2: PASS {2}rv-build-2-rv\n/);
    // The follow-up of the first round's finding: its text as the prompt, waiting for the reviewed job.
    const f = h.job('rv-build-1-f1')!;
    expect(JSON.parse(f.spec)).toMatchObject({ prompt: '- [major] src/a.ts:12: off by one', after: ['rv-build-1'] });
    await h.waitJob('rv-build-1-f1', (j) => j.state === 'done', 'the follow-up done');
    expect(h.job('rv-build-2-f1')).toBeUndefined();
  });

  it('rounds exhausted: the run fails and an escalation says what resumes it', async () => {
    await start('ex', workflow(2, 'list'));
    await ended('ex');
    expect(runOf('ex')).toMatchObject({
      state: 'failed',
      reason: 'step build failed; cancelled, as they depend on it: ship',
    });
    expect(h.job('ex-build-3')).toBeUndefined();
    expect(h.job('ex-build-1-f1')).toBeUndefined();
    await waitFor(
      () => h.read((reg) => reg.openEscalations({ job: 'ex-build-2-rv' })).length === 1,
      10_000,
      'the escalation',
    );
    const [e] = h.read((reg) => reg.openEscalations({ job: 'ex-build-2-rv' }));
    expect(e).toMatchObject({ kind: 'review-exhausted', command: 'mam run resume ex' });
    expect(e!.reason).toMatch(/did not pass in 2 rounds/);
  });

  it("a step's agent cannot pass its own review: its PASS is not the reviewer's, and it cannot sign the reviewer's", async () => {
    await start('ch', workflow(1, 'list', CHEAT));
    await ended('ch');
    expect(runOf('ch')!.state).toBe('failed');
    expect(h.read((reg) => reg.listVerdicts('ch-build-1-rv')).map((v) => v.verdict)).toEqual(['NOT_PASS']);
    expect(h.job('ch-ship-1')).toBeUndefined();
  });
});
