/**
 * on_blocked: spawn — a step that reports job.blocked with a reason gets a blocker job with that
 * reason as its task; the blocker's done resumes the blocked step with its summary as the prompt,
 * once, and the run completes.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRegistry } from '../../subscriber/registry/registry.js';
import { unblockedReason } from '../../subscriber/workflows/blocked-steps.js';
import { startHost, type TestHost } from '../helpers/host/index.js';
import { waitFor } from '../helpers/wait.js';

// One script for the step and its blocker (the same agent and command): the blocker makes the key;
// the step is blocked without it, and done with it, keeping the prompt it was resumed with.
const WORKFLOW = `steps:
  - id: build
    agent: command
    on_blocked: spawn
    worktree: false
    prompt: build it
    command:
      - sh
      - -c
      - |
        case "$MAM_PROMPT" in
          Unblock*) touch key && mam emit job.done --field summary=made-the-key || exit 1 ;;
          *) if [ -f key ]; then printf %s "$MAM_PROMPT" > "build-$MAM_GEN.prompt" && mam emit job.done || exit 1
             else mam emit job.blocked --field "reason=no key to sign with" || exit 1; fi ;;
        esac
        exec sleep 600
`;

describe('on_blocked: spawn', () => {
  let h: TestHost;
  beforeAll(async () => {
    h = await startHost({ config: { sessions: { isolation: 'none' } } });
  });
  afterAll(async () => {
    await h?.close();
  });

  it("spawns a blocker with the block's reason, and its done resumes the step with its summary", async () => {
    const file = join(h.tw.root, 'blocked.yaml');
    writeFileSync(file, WORKFLOW);
    const r = await h.mam(['run', file, '--id', 'bl', '--workdir', h.tw.root]);
    expect(r.exitCode, String(r.stderr)).toBe(0);
    await waitFor(() => h.read((reg) => reg.getRun('bl')?.state) !== 'running', 45_000, 'the run ended').catch(() => {
      throw new Error(h.logs());
    });
    expect(h.read((reg) => reg.getRun('bl'))).toMatchObject({ state: 'done' });
    const blocker = h.job('bl-build-1-b1')!;
    expect(blocker.state).toBe('done');
    expect(JSON.parse(blocker.spec).prompt).toMatch(
      /^Unblock job bl-build-1, which reported itself blocked: no key to sign with\n/,
    );
    const step = h.job('bl-build-1')!;
    expect(step).toMatchObject({ state: 'done', gen: 2 });
    expect(readFileSync(join(h.tw.root, 'build-2.prompt'), 'utf8')).toBe('made-the-key');
    // One blocker, one resume: the decision after it found the step no longer blocked.
    expect(h.job('bl-build-1-b2')).toBeUndefined();
    expect(h.read((reg) => reg.runSteps('bl')).map((s) => s.job)).toEqual(['bl-build-1']);
  });

  it("a resume whose launch the reconciler did not live to make still gets the blocker's summary", async () => {
    // As a crash right after the resume's commit leaves it: a new generation in starting, no session.
    await h.restartDaemon(() => {
      const reg = openRegistry(h.ctx.ws.db);
      try {
        reg.updateJob('bl-build-1', 'starting', unblockedReason('bl-build-1-b1'), 3);
      } finally {
        reg.close();
      }
    });
    await h.waitJob('bl-build-1', (j) => j.state === 'done' && j.gen === 3, 'generation 3 launched and done');
    expect(readFileSync(join(h.tw.root, 'build-3.prompt'), 'utf8')).toBe('made-the-key');
  });
});
