/**
 * The example workflows of examples/workflows/ run to done with scripted agents: the fake Claude
 * and Codex CLIs (test/fixtures) and the command agent, on tmux and on pty, in a git repository whose
 * steps hand their branches on, with a gate and a human approval on the way.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../../core/package-root.js';
import { git, makeRepo, startHost, type TestHost } from '../helpers/host/index.js';
import { waitFor } from '../helpers/wait.js';

const FIXTURES = join(packageRoot(), 'test', 'fixtures');
const EXAMPLES = join(packageRoot(), 'examples', 'workflows');

/** A repository whose every agent turn commits a file of its own, and whose `npm test` passes. */
function exampleRepo(): string {
  const repo = makeRepo();
  const fake = {
    FAKE_LOG: join(repo, '..', `${basename(repo)}-fake.log`),
    FAKE_START_MS: '200',
    FAKE_TRUSTED: '1',
    FAKE_ON_PROMPT: 'echo done > "turn-$MAM_JOB_ID.txt" && git add -A && git commit -qm "$MAM_JOB_ID"',
  };
  writeFileSync(join(repo, '.fake.json'), JSON.stringify(fake));
  writeFileSync(join(repo, 'package.json'), JSON.stringify({ name: 'example', scripts: { test: 'exit 0' } }));
  git(repo, 'add', '.');
  git(repo, 'commit', '-q', '-m', 'fake agents and a test that passes');
  return repo;
}

describe.each(['tmux', 'pty'] as const)('example workflows (%s sessions)', (backend) => {
  let h: TestHost;
  beforeAll(async () => {
    h = await startHost({
      killGraceMs: 1500,
      config: { sessions: { isolation: 'none', maxConcurrent: 8, backend } },
      agents: () => ({
        claude: { bin: join(FIXTURES, 'fake-claude.mjs'), readyTimeoutMs: 20_000 },
        codex: { bin: join(FIXTURES, 'fake-codex.mjs'), readyTimeoutMs: 20_000 },
      }),
    });
  });
  afterAll(async () => {
    await h?.close();
  });

  const start = async (file: string, id: string, repo: string, ...params: string[]) => {
    const args = ['run', join(EXAMPLES, file), '--id', id, '--workdir', repo, ...params.flatMap((p) => ['--param', p])];
    const r = await h.mam(args);
    expect(r.exitCode, `${r.stderr}\n${h.logs()}`).toBe(0);
  };
  // The waits below give up with the run and the logs before the test's own timeout does, which would say nothing.
  const runDone = (id: string, repo: string) =>
    waitFor(() => h.read((reg) => reg.getRun(id)?.state) === 'done', 120_000, `run ${id} done`).catch(() => {
      const jobs = h.read((reg) => reg.runSteps(id).map((r) => reg.getJob(r.job)));
      const fakeLog = (repo: string) =>
        readFileSync(JSON.parse(readFileSync(join(repo, '.fake.json'), 'utf8')).FAKE_LOG, 'utf8');
      const hooks = jobs.map((j) => {
        const file = join(h.ctx.ws.jobDir(j!.id), 'hooks.log');
        return `${j!.id}: ${existsSync(file) ? readFileSync(file, 'utf8') : '(no hooks.log)'}`;
      });
      const refused = h.read((reg) => reg.listRejections({ limit: 50 }));
      const run = h.read((reg) => reg.getRun(id));
      throw new Error(
        `run ${id}: ${JSON.stringify([run, jobs, refused])}\n${h.logs()}\n${fakeLog(repo)}\n${hooks.join('\n')}`,
      );
    });

  // The longer example on one backend only: the steps' sessions are alike on both.
  if (backend === 'tmux')
    it('plan → implement → test → review: each step on the branch before it, the gate run, the review approved', async () => {
      const repo = exampleRepo();
      await start('plan-implement-test-review.yaml', 'ex1', repo, 'task=add a --verbose flag');
      await h.waitJob('ex1-review-1', (j) => j.state === 'review', 'review waits for a person', 120_000);
      const approve = await h.mam(['approve', 'ex1-review-1']);
      expect(approve.exitCode, String(approve.stderr)).toBe(0);
      await runDone('ex1', repo);
      // The review's branch holds every step's turn: each started from the one before.
      const files = git(repo, 'ls-tree', '--name-only', 'mam/ex1-review-1').split('\n');
      for (const s of ['plan', 'implement', 'test', 'review']) expect(files).toContain(`turn-ex1-${s}-1.txt`);
      expect(h.read((reg) => reg.checksOf('ex1-test-1').map((c) => c.result))).toContain('passed');
      const prompt = readFileSync(join(h.ctx.ws.jobDir('ex1-implement-1'), 'prompt.txt'), 'utf8');
      expect(prompt).toContain('Implement the plan on branch mam/ex1-plan-1.');
    }, 300_000);

  it('fan-out over modules and fan-in: one job per module, the last step on all their branches merged', async () => {
    const repo = exampleRepo();
    await start('fan-out-modules.yaml', 'ex2', repo, 'modules=core,cli,broker');
    await runDone('ex2', repo);
    const files = git(repo, 'ls-tree', '--name-only', 'mam/ex2-combine-1').split('\n');
    for (const j of ['per_module-0', 'per_module-1', 'per_module-2', 'combine'])
      expect(files).toContain(`turn-ex2-${j}-1.txt`);
    const survey = h.read((reg) => reg.jobTimeline('ex2-survey-1').find((e) => e.type === 'job.done')?.body);
    expect(survey).toMatchObject({ summary: expect.stringMatching(/^\s*\d+ files tracked$/) });
    const backends = h.read((reg) => reg.runSteps('ex2').map((r) => reg.getSession(r.job, 1)?.backend));
    expect(new Set(backends)).toEqual(new Set([backend]));
  }, 180_000);
});
