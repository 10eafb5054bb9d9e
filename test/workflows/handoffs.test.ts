/**
 * Handoffs between steps in a git repository: a step that needs others starts in a worktree
 * branched from the first predecessor's branch with the others merged in order, and its prompt
 * names their branches; predecessors that conflict block the step with the conflicting paths,
 * leaving no half-merged branch behind, until a person resolves it and resumes the step.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { git, makeRepo, startHost, type TestHost } from '../helpers/host/index.js';
import { waitFor } from '../helpers/wait.js';

// Writes a file, commits it on the step's own branch, says done.
const WRITE = (file: string, text: string) =>
  `[sh, -c, 'echo ${text} > ${file} && git add ${file} && git commit -qm ${file} && mam emit job.done --field summary=wrote-${file} || exit 1; exec sleep 600']`;

const workflow = (aFile: string, bFile: string) => `steps:
  - id: a
    agent: command
    command: ${WRITE(aFile, 'from-a')}
  - id: b
    agent: command
    command: ${WRITE(bFile, 'from-b')}
  - id: c
    agent: command
    needs: [a, b]
    prompt: "start from {{steps.a.branch}} and {{steps.b.branch}}"
    command: [sh, -c, 'cat ${aFile} ${bFile} > seen.txt && printf %s "$MAM_PROMPT" > prompt.txt && git add seen.txt prompt.txt && git commit -qm c && mam emit job.done || exit 1; exec sleep 600']
`;

describe('handoffs', () => {
  let h: TestHost;
  let repo: string;
  const runState = (id: string) => h.read((reg) => reg.getRun(id)?.state);
  const start = async (name: string, text: string, id: string) => {
    const file = join(h.tw.root, name);
    writeFileSync(file, text);
    const r = await h.mam(['run', file, '--id', id, '--workdir', repo]);
    expect(r.exitCode, String(r.stderr)).toBe(0);
  };

  beforeAll(async () => {
    h = await startHost({ config: { sessions: { isolation: 'none' }, worktrees: { removeOnEnd: 'never' } } });
    repo = makeRepo();
  });
  afterAll(async () => {
    await h?.close();
    if (repo) rmSync(repo, { recursive: true, force: true });
  });

  it("a step needing two starts from the first's branch with the second merged, and is told both", async () => {
    await start('merge.yaml', workflow('a.txt', 'b.txt'), 'ho');
    await waitFor(() => runState('ho') !== 'running', 60_000, 'the run ended').catch(() => {
      throw new Error(h.logs());
    });
    expect(runState('ho'), h.logs()).toBe('done');
    expect(git(repo, 'show', 'mam/ho-c-1:seen.txt')).toBe('from-a\nfrom-b');
    expect(git(repo, 'show', 'mam/ho-c-1:prompt.txt')).toBe('start from mam/ho-a-1 and mam/ho-b-1');
    // Its branch holds both predecessors' commits; its own work is measured from the merge.
    expect(git(repo, 'merge-base', '--is-ancestor', 'mam/ho-a-1', 'mam/ho-c-1')).toBe('');
    expect(git(repo, 'merge-base', '--is-ancestor', 'mam/ho-b-1', 'mam/ho-c-1')).toBe('');
    expect(git(repo, 'rev-parse', 'main')).toBe(git(repo, 'rev-parse', 'mam/ho-a-1~1'));
  });

  it('predecessors that conflict block the step with the paths; resolved and resumed, it goes on', async () => {
    await start('conflict.yaml', workflow('same.txt', 'same.txt'), 'cf');
    await h.waitJob('cf-c-1', (j) => j.state === 'blocked', 'the step blocked', 60_000);
    const c = h.job('cf-c-1')!;
    expect(c.reason).toMatch(/^merging mam\/cf-b-1 into the step's worktree conflicts in: same\.txt$/);
    expect(runState('cf')).toBe('running');
    // Nothing half-made: no branch of the step, no session.
    expect(() => git(repo, 'rev-parse', '--verify', '--quiet', 'refs/heads/mam/cf-c-1')).toThrow();
    expect(h.session('cf-c-1')).toBeUndefined();

    // A person resolves it on the first predecessor's branch, then resumes the step.
    const tree = join(h.ctx.ws.worktreesDir, 'cf-a-1');
    expect(() => git(tree, 'merge', 'mam/cf-b-1')).toThrow();
    writeFileSync(join(tree, 'same.txt'), 'resolved\n');
    git(tree, 'commit', '-qam', 'resolve');
    const r = await h.mam(['job', 'resume', 'cf-c-1']);
    expect(r.exitCode, String(r.stderr)).toBe(0);
    await waitFor(() => runState('cf') !== 'running', 60_000, 'the run ended').catch(() => {
      throw new Error(`${runState('cf')}\n${h.logs()}`);
    });
    expect(runState('cf')).toBe('done');
    expect(git(repo, 'show', 'mam/cf-c-1:seen.txt')).toBe('resolved\nresolved');
  });
});
