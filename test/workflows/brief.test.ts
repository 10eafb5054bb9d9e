/**
 * `mam brief`: a step's context in one answer, for an operator (from the registry), inside the
 * step's session (the file written at its launch, its own job's only) and as {{brief}} in a prompt.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectCleanFailure } from '../helpers/cli-output.js';
import { startHost, type TestHost } from '../helpers/host/index.js';
import { waitFor } from '../helpers/wait.js';

// `impl` keeps its prompt and its brief, tries to read another job's brief, then reports done.
const WF = `params:
  - { name: target, default: the parser }
steps:
  - id: plan
    agent: command
    command: [sh, -c, 'mam emit job.done --field "summary=split it in two, see {{brief}}" || exit 1; exec sleep 600']
  - id: impl
    agent: command
    needs: [plan]
    prompt: "change {{params.target}}\\nplan said: {{steps.plan.summary}}\\n{{brief}}"
    command: [sh, -c, 'printf %s "$MAM_PROMPT" > "$MAM_JOB_ID.prompt"; mam brief --json > "$MAM_JOB_ID.brief"; mam brief "$0" > "$MAM_JOB_ID.other" 2>&1; echo "exit $?" >> "$MAM_JOB_ID.other"; mam emit job.done || exit 1; exec sleep 600', '{{run}}-plan-1']
`;

describe('mam brief', () => {
  let h: TestHost;
  beforeAll(async () => {
    h = await startHost({ config: { sessions: { isolation: 'none' } } });
  });
  afterAll(async () => {
    await h?.close();
  });

  it("gives a step its run, params and predecessors' summaries: to the operator, in the session, in {{brief}}", async () => {
    const file = join(h.tw.root, 'brief.yaml');
    writeFileSync(file, WF);
    const r = await h.mam(['run', file, '--workdir', h.tw.root, '--id', 'b1']);
    expect(r.exitCode, `${r.stderr}\n${h.logs()}`).toBe(0);
    await waitFor(() => h.read((reg) => reg.getRun('b1')?.state) === 'done', 60_000, 'run b1 done').catch(() => {
      throw new Error(h.logs());
    });
    const read = (name: string) => readFileSync(join(h.tw.root, name), 'utf8');

    // In the session: its own brief, as its reconciler wrote it at the launch.
    const own = JSON.parse(read('b1-impl-1.brief'));
    expect(own.job.id).toBe('b1-impl-1');
    expect(own.run).toMatchObject({ id: 'b1', step: 'impl', attempt: 1, params: { target: 'the parser' } });
    expect(own.predecessors).toEqual([
      { step: 'plan', job: 'b1-plan-1', state: 'done', summary: 'split it in two, see {{brief}}' },
    ]);
    // {{brief}} in the prompt: the same brief as text.
    const prompt = read('b1-impl-1.prompt');
    // A "{{brief}}" the plan's agent wrote stays as written; the brief goes where the template said, once.
    expect(prompt).toMatch(
      /^change the parser\nplan said: split it in two, see \{\{brief\}\}\nJob b1-impl-1 \(command on testhost\)/,
    );
    expect(prompt.split('Job b1-impl-1 (').length).toBe(2);
    expect(prompt).toContain('Run b1 (running), step impl, attempt 1');
    expect(prompt).toContain('  plan (b1-plan-1): done\n    split it in two, see {{brief}}');
    // A session reads no other job's brief.
    const other = read('b1-impl-1.other');
    expect(other).toContain('this session belongs to job b1-impl-1; it cannot read the brief of b1-plan-1');
    expect(other).toContain('exit 2');

    // The operator: from the registry, now that the step is done.
    const op = await h.mam(['brief', 'b1-impl-1', '--json']);
    expect(op.exitCode, String(op.stderr)).toBe(0);
    const b = JSON.parse(String(op.stdout));
    expect(b.job).toMatchObject({ id: 'b1-impl-1', state: 'done', agent: 'command' });
    expect(b.run).toMatchObject({ id: 'b1', state: 'done', step: 'impl' });
    expect(b.predecessors[0]).toMatchObject({ job: 'b1-plan-1', summary: 'split it in two, see {{brief}}' });
    expect(b.events.map((e: { type: string }) => e.type)).toContain('job.done');
    const t = await h.mam(['brief', 'b1-plan-1']);
    const text = String(t.stdout);
    expect(t.exitCode, String(t.stderr)).toBe(0);
    expect(text).toMatch(/^Job b1-plan-1 \(command on testhost\): done\n/);
    expect(text).not.toContain('Before this step:');
  });

  it('gives a rework round the findings of the review of the attempt before; a reviewer, its own verdict', async () => {
    const reviewer = String.raw`[sh, -c, 'if [ -f "pass-$MAM_JOB_ID" ]; then mam verdict PASS; else mam verdict NOT_PASS --finding-json "{\"message\":\"off by one\",\"severity\":\"major\",\"file\":\"src/a.ts\",\"line\":12}"; fi && mam emit job.done || exit 1; exec sleep 600']`;
    const wf = `steps:
  - id: build
    agent: command
    command: [sh, -c, 'mam brief --json > "$MAM_JOB_ID.brief"; mam emit job.done || exit 1; exec sleep 600']
    review: { agent: command, maxRounds: 2, command: ${reviewer} }
`;
    writeFileSync(join(h.tw.root, 'pass-rb-build-2-rv'), '');
    const file = join(h.tw.root, 'rework.yaml');
    writeFileSync(file, wf);
    const r = await h.mam(['run', file, '--workdir', h.tw.root, '--id', 'rb']);
    expect(r.exitCode, `${r.stderr}\n${h.logs()}`).toBe(0);
    await waitFor(() => h.read((reg) => reg.getRun('rb')?.state) === 'done', 60_000, 'run rb done').catch(() => {
      throw new Error(`${JSON.stringify(h.read((reg) => reg.getRun('rb')))}\n${h.logs()}`);
    });
    const finding = { message: 'off by one', severity: 'major', file: 'src/a.ts', line: 12 };
    const first = JSON.parse(readFileSync(join(h.tw.root, 'rb-build-1.brief'), 'utf8'));
    expect(first.verdict).toBeUndefined();
    const second = JSON.parse(readFileSync(join(h.tw.root, 'rb-build-2.brief'), 'utf8'));
    expect(second.run).toMatchObject({ step: 'build', attempt: 2 });
    expect(second.verdict).toEqual({ verdict: 'NOT_PASS', findings: [finding] });
    const rv = JSON.parse(String((await h.mam(['brief', 'rb-build-2-rv', '--json'])).stdout));
    expect(rv.verdict).toEqual({ verdict: 'PASS', findings: [] });
    expect(String((await h.mam(['brief', 'rb-build-2'])).stdout)).toContain(
      'Review verdict: NOT_PASS\n  - [major] off by one (src/a.ts:12)',
    );
  });

  it('says clearly what is wrong: no such job, no job named outside a session', async () => {
    expectCleanFailure(await h.mam(['brief', 'no-such-job']), 4);
    expectCleanFailure(await h.mam(['brief']), 2);
  });
});
