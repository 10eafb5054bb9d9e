import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verdictBody } from '../../cli/commands/verdict.js';
import { isMamError } from '../../core/errors.js';
import { sessionEnv } from '../../subscriber/session-env.js';
import { waitFor } from '../helpers/wait.js';
import { jsonLines } from '../helpers/cli-output.js';
import { startHost, type TestHost } from '../helpers/host/index.js';

// Asks for review and waits there: only a verdict (or the operator) moves it on.
const IN_REVIEW =
  'mam emit job.started && mam emit job.progress --field phase=review --field message="ready for review"\nexec sleep 600\n';

interface Shown {
  job: { state: string };
  verdicts: Array<{ verdict: string; reviewer: string | null; sender: string; findings: unknown[] }>;
  sessions: Array<{ ended_at: number | null }>;
}

describe('verdict bodies', () => {
  it('builds findings from --finding and --finding-json and checks them against the schema before signing', () => {
    expect(verdictBody('PASS', [], [])).toEqual({ verdict: 'PASS', findings: [] });
    const body = verdictBody(
      'NOT_PASS',
      ['tests fail'],
      ['{"message":"off by one","severity":"major","file":"src/a.ts","line":12}', '[{"message":"typo"}]'],
      'alice',
    );
    expect(body).toEqual({
      verdict: 'NOT_PASS',
      reviewer: 'alice',
      findings: [
        { message: 'tests fail' },
        { message: 'off by one', severity: 'major', file: 'src/a.ts', line: 12 },
        { message: 'typo' },
      ],
    });
    const refused = (fn: () => unknown) => {
      try {
        fn();
      } catch (err) {
        return isMamError(err, 'USAGE');
      }
      return false;
    };
    expect(refused(() => verdictBody('PASS', [], ['{"message":"x","severity":"huge"}']))).toBe(true);
    expect(refused(() => verdictBody('PASS', [], ['{"msg":"no message"}']))).toBe(true);
    expect(refused(() => verdictBody('PASS', [], ['not json']))).toBe(true);
    expect(refused(() => verdictBody('PASS', [''], []))).toBe(true);
  });
});

describe('mam verdict', () => {
  let h: TestHost;
  const show = async (job: string): Promise<Shown> => {
    const r = await h.mam(['job', 'show', job, '--json']);
    expect(r.exitCode, String(r.stderr)).toBe(0);
    return jsonLines<Shown>(r.stdout)[0];
  };
  beforeAll(async () => {
    h = await startHost({ repos: true });
  });
  afterAll(async () => h?.close());

  it('NOT_PASS sends a job in review back to running, PASS ends it as done; job show lists both with their findings', async () => {
    const { id: job } = await h.createJob({ workdir: mkdtempSync(join(tmpdir(), 'mam-rev-')), script: IN_REVIEW });
    await h.waitJob(job, (j) => j.state === 'review', 'review');

    const no = await h.mam([
      'verdict',
      job,
      'NOT_PASS',
      '--finding',
      'tests fail',
      '--finding-json',
      '{"message":"off by one","severity":"major","file":"src/a.ts","line":12}',
      '--reviewer',
      'alice',
      '--json',
    ]);
    expect(no.exitCode, String(no.stderr)).toBe(0);
    expect(jsonLines(no.stdout)[0]).toMatchObject({
      job,
      verdict: 'NOT_PASS',
      findings: 2,
      committed: true,
      queued: false,
    });
    expect(h.job(job)!.state).toBe('running');

    const back = await h.mam(['emit', 'job.progress', '--job', job, '--field', 'phase=review']);
    expect(back.exitCode, String(back.stderr)).toBe(0);
    expect(h.job(job)!.state).toBe('review');
    const yes = await h.mam(['verdict', job, 'PASS', '--finding-json', '{"message":"looks good","severity":"info"}']);
    expect(yes.exitCode, String(yes.stderr)).toBe(0);
    expect(String(yes.stdout)).toMatch(/^PASS job=\S+ findings=1 seq=\d+ committed/);
    expect(h.job(job)!.state).toBe('done');
    // done through a verdict ends the session like any verified terminal event.
    await waitFor(
      async () => (await show(job)).sessions.every((s) => s.ended_at !== null),
      15_000,
      'the session to end',
    );

    const shown = await show(job);
    expect(shown.verdicts).toEqual([
      expect.objectContaining({
        verdict: 'NOT_PASS',
        reviewer: 'alice',
        sender: `operator@${h.ctx.cfg.host}`,
        findings: [{ message: 'tests fail' }, { message: 'off by one', severity: 'major', file: 'src/a.ts', line: 12 }],
      }),
      expect.objectContaining({
        verdict: 'PASS',
        reviewer: null,
        findings: [{ message: 'looks good', severity: 'info' }],
      }),
    ]);
    const text = String((await h.mam(['job', 'show', job])).stdout);
    expect(text).toMatch(/NOT_PASS by alice \(seq \d+\): 2 finding\(s\)/);
    expect(text).toContain('- [major] src/a.ts:12 off by one');
    expect(text).toContain('- tests fail');
  });

  it('inside an agent session the job and the job key come from the session environment', async () => {
    const { id: job } = await h.createJob({ workdir: mkdtempSync(join(tmpdir(), 'mam-rev-')), script: IN_REVIEW });
    await h.waitJob(job, (j) => j.state === 'review', 'review');
    const env = { ...sessionEnv(h.ctx, job, 1, h.tw.env), MAM_HOME: join(tmpdir(), 'no-workspace-here') };
    const r = await h.mam(['verdict', 'NOT_PASS', '--finding', 'self-check failed', '--json'], env);
    expect(r.exitCode, String(r.stderr)).toBe(0);
    expect(h.job(job)!.state).toBe('running');
    expect((await show(job)).verdicts).toEqual([
      expect.objectContaining({ verdict: 'NOT_PASS', sender: 'agent', findings: [{ message: 'self-check failed' }] }),
    ]);
    // The session's key is its own job's: another job's verdict is refused before anything is sent.
    const other = await h.mam(['verdict', 'some-other-job', 'PASS'], env);
    expect(other.exitCode).toBe(2);
    await h.mam(['job', 'stop', job]);
  });

  it('refuses a malformed verdict with a usage error and sends nothing', async () => {
    const { id: job } = await h.createJob({ workdir: mkdtempSync(join(tmpdir(), 'mam-rev-')), script: IN_REVIEW });
    await h.waitJob(job, (j) => j.state === 'review', 'review');
    for (const args of [[job, 'MAYBE'], [job, 'PASS', '--finding-json', '{"message":"x","line":-1}'], ['PASS']]) {
      const r = await h.mam(['verdict', ...args]);
      expect(r.exitCode, String(r.stderr)).toBe(2);
      expect(String(r.stderr)).toMatch(/hint: /);
    }
    expect((await show(job)).verdicts).toEqual([]);
    expect(h.job(job)!.state).toBe('review');
    await h.mam(['job', 'stop', job]);
  });
});
