/**
 * Handoffs across hosts through the run's git remote: the admin A and a joined host B, each with
 * its own clone of one bare repository. A step on B starts from its predecessor's branch on A,
 * and the step after it on A from B's: each done job's branch is pushed to the remote by its
 * host, and the next step's host fetches the branches it lacks before making its worktree.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { git, makeRepo, startHost, type TestHost } from '../helpers/host/index.js';
import { joinHost, type JoinedHost } from '../helpers/joined-host.js';
import { waitFor } from '../helpers/wait.js';

// Lists what the step sees, commits it and a file of its own on its branch, says done.
const STEP = (name: string) =>
  `[sh, -c, 'ls > seen-${name}.txt && echo ${name} > ${name}.txt && git add -A && git commit -qm ${name} && mam emit job.done --field summary=${name} || exit 1; exec sleep 600']`;

const workflow = (bClone: string) => `remote: origin
steps:
  - id: plan
    agent: command
    command: ${STEP('plan')}
  - id: build
    agent: command
    host: B
    workdir: ${bClone}
    needs: [plan]
    command: ${STEP('build')}
  - id: check
    agent: command
    needs: [build]
    command: ${STEP('check')}
`;

describe('handoffs across hosts through the run remote', () => {
  let h: TestHost;
  let b: JoinedHost | undefined;
  let dir: string;

  beforeAll(async () => {
    h = await startHost({ config: { sessions: { isolation: 'none' } } });
    b = await joinHost(h, 'B');
  });
  afterAll(async () => {
    await b?.close();
    await h?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("B's step starts from A's branch, A's next step from B's: each pushed when done, fetched where missing", async () => {
    dir = mkdtempSync(join(tmpdir(), 'mam-remote-'));
    const remote = join(dir, 'shared.git');
    git(dir, 'init', '-q', '--bare', '-b', 'main', remote);
    const aClone = makeRepo();
    git(aClone, 'remote', 'add', 'origin', remote);
    git(aClone, 'push', '-q', 'origin', 'main');
    const bClone = join(dir, 'b-clone');
    git(dir, 'clone', '-q', remote, bClone);
    git(bClone, 'config', 'user.email', 'agent@mam.invalid');
    git(bClone, 'config', 'user.name', 'test agent');
    const file = join(dir, 'wf.yaml');
    writeFileSync(file, workflow(bClone));
    const r = await h.mam(['run', file, '--id', 'hr', '--workdir', aClone]);
    expect(r.exitCode, String(r.stderr)).toBe(0);
    await waitFor(() => h.read((reg) => reg.getRun('hr')?.state) !== 'running', 90_000, 'the run ended').catch(() => {
      throw new Error(`${JSON.stringify(h.read((reg) => reg.listJobs({ limit: 20 })))}\n${h.logs()}`);
    });
    expect(h.read((reg) => reg.getRun('hr'))).toMatchObject({ state: 'done', reason: null });
    // B's step saw plan's work: its branch, in B's clone, was made from A's pushed branch.
    expect(git(bClone, 'show', 'mam/hr-build-1:seen-build.txt').split('\n')).toContain('plan.txt');
    // A's last step saw both.
    const seen = git(aClone, 'show', 'mam/hr-check-1:seen-check.txt').split('\n');
    expect(seen).toEqual(expect.arrayContaining(['plan.txt', 'build.txt']));
    // Every step's branch reaches the remote (the last one's once its session has ended, after the run's end).
    const heads = () => git(remote, 'for-each-ref', '--format=%(refname:short)', 'refs/heads/mam').split('\n').sort();
    await waitFor(() => heads().length === 3, 20_000, 'the last branch pushed').catch(() => undefined);
    expect(heads()).toEqual(['mam/hr-build-1', 'mam/hr-check-1', 'mam/hr-plan-1']);
  }, 150_000);
});
