/**
 * The review loop of a step whose agent keeps its session (the fake Claude Code, driven through the
 * claude adapter's screens), against a real broker, reconciler and sessions: after its done the
 * step's job waits in review with its session live; the reviewer's NOT_PASS findings go to that
 * same session as its next prompt; its next done is reviewed again (`<job>-rv2`), PASS ends the
 * session and the run goes on. One job, one generation, one agent process throughout.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeClaudeHost } from '../helpers/host/fake-claude-host.js';
import type { TestHost } from '../helpers/host/index.js';
import { waitFor } from '../helpers/wait.js';

// The reviewer passes when the test left pass-<its job id> in the workdir, else finds one thing.
const REVIEWER = String.raw`[sh, -c, 'if [ -f "pass-$MAM_JOB_ID" ]; then mam verdict PASS; else mam verdict NOT_PASS --finding-json "{\"message\":\"off by one\",\"severity\":\"major\",\"file\":\"src/a.ts\",\"line\":12}"; fi && mam emit job.done || exit 1; exec sleep 600']`;
const DONE = `[sh, -c, 'mam emit job.done || exit 1; exec sleep 600']`;
// Run by the fake on every prompt it is given: keeps each one.
const ON_PROMPT = `cat >> prompts.txt; echo '----' >> prompts.txt; exit 0`;

const WORKFLOW = `name: held
steps:
  - id: build
    agent: claude
    prompt: "build the thing"
    review:
      agent: command
      maxRounds: 3
      command: ${REVIEWER}
  - id: ship
    agent: command
    needs: [build]
    prompt: "ship: {{steps.build.findings}}"
    command: ${DONE}
`;

describe('a NOT_PASS for an agent that keeps its session', () => {
  let h: TestHost;
  beforeAll(async () => {
    h = await startFakeClaudeHost();
  });
  afterAll(async () => {
    await h?.close();
  });

  it('goes to the same live session as its next prompt; the second round passes', { timeout: 120_000 }, async () => {
    const dir = join(h.tw.root, 'held');
    mkdirSync(dir);
    const fakeLog = join(dir, 'fake.log');
    writeFileSync(
      join(dir, '.fake.json'),
      JSON.stringify({ FAKE_START_MS: '300', FAKE_LOG: fakeLog, FAKE_ON_PROMPT: ON_PROMPT }),
    );
    writeFileSync(join(dir, 'pass-held-build-1-rv2'), '');
    writeFileSync(join(dir, 'wf.yaml'), WORKFLOW);
    const r = await h.mam(['run', join(dir, 'wf.yaml'), '--id', 'held', '--workdir', dir]);
    expect(r.exitCode, String(r.stderr)).toBe(0);
    const fake = () => (existsSync(fakeLog) ? readFileSync(fakeLog, 'utf8') : '');
    const job = 'held-build-1';
    // While the first review runs, the step's job waits in review with its session live.
    await h.waitJob('held-build-1-rv', () => true, 'the first reviewer', 60_000);
    expect(h.job(job)!.state).toBe('review');
    const s = h.session(job, 1)!;
    expect(s.ended_at).toBeNull();
    await waitFor(() => h.read((reg) => reg.getRun('held')?.state) !== 'running', 90_000, 'the run ended').catch(() => {
      throw new Error(`run is ${h.read((reg) => reg.getRun('held')?.state)}\n${fake()}\n${h.logs()}`);
    });
    expect(h.read((reg) => reg.getRun('held'))).toMatchObject({ state: 'done', reason: null });
    expect(h.read((reg) => reg.runSteps('held')).map((x) => `${x.step}/${x.attempt}:${x.job}`)).toEqual([
      'build/1:held-build-1',
      'build.review/1:held-build-1-rv',
      'build.review/2:held-build-1-rv2',
      'ship/1:held-ship-1',
    ]);
    expect(h.job(job)).toMatchObject({ state: 'done', gen: 1 });
    // One agent process: the task, then the findings as its next prompt, in the same session.
    expect(fake().match(/ start args=/g)).toHaveLength(1);
    const prompts = readFileSync(join(dir, 'prompts.txt'), 'utf8').split('----\n');
    expect(prompts[0]).toMatch(/^build the thing/);
    expect(prompts[1]).toMatch(
      /^The review \(round 1\) of your work did not pass\. Its findings:\n- \[major\] src\/a\.ts:12: off by one\n/,
    );
    expect(h.read((reg) => reg.listVerdicts('held-build-1-rv2')).map((v) => v.verdict)).toEqual(['PASS']);
    // Its session ended once the review passed, and only then.
    await h.waitJob(job, () => !!h.session(job, 1)?.ended_at, 'the session ended');
    expect(h.session(job, 1)!.end_reason).toMatch(/its review held-build-1-rv2 passed/);
    expect(h.session(job, 2)).toBeUndefined();
    expect(await h.sessionAlive(s)).toBe(false);
  });
});
