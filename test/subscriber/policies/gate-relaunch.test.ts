/**
 * The `command` agent and its gate, against a real broker, reconciler and tmux: its program
 * reports done and exits, so a failed gate relaunches it as a new generation with the failure as
 * its prompt (MAM_PROMPT, MAM_PROMPT_FILE); the last failed attempt fails the job and escalates.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EscalationRow } from '../../../subscriber/registry/policy-writes.js';
import { GATED_AGENT, release, startHost, type TestHost } from '../../helpers/host/index.js';
import { withRegistryFile } from '../../helpers/registry-file.js';

const MARK = 'NOT-FIXED-YET';
const GATE = `grep -q fixed state.txt || { echo "state.txt: ${MARK}"; exit 1; }`;
// Each generation: keeps its prompt, fixes the file only in generation 3 and only when its prompt carries the gate's
// failure.
const AGENT = `mam emit job.started || exit 1
echo "$MAM_GEN" >> gens
[ -n "$MAM_PROMPT" ] && cp "$MAM_PROMPT_FILE" "prompt-$MAM_GEN"
case "$MAM_PROMPT" in *${MARK}*) [ "$MAM_GEN" -ge 3 ] && echo fixed > state.txt;; esac
mam emit job.done || exit 1
`;

let h: TestHost;
beforeAll(async () => {
  h = await startHost({ config: { sessions: { isolation: 'none' } } });
});
afterAll(async () => {
  await h?.close();
});

const escalations = (id: string) =>
  withRegistryFile(h.ctx.ws.db, (db) =>
    db.prepare<[string], EscalationRow>('SELECT * FROM escalations WHERE job = ? ORDER BY id').all(id),
  );

describe('a command agent whose gate fails', () => {
  it('is relaunched with the failure as its prompt until the gate passes', { timeout: 90_000 }, async () => {
    const { id, workdir } = await h.createJob({
      script: AGENT,
      prompt: 'make state.txt say fixed',
      spec: { gate: GATE, gateAttempts: 3 },
    });
    const done = await h.waitJob(id, (j) => j.state === 'done', 'done after the third gate run', 60_000);
    expect(done.gen).toBe(3);
    const checks = h.read((reg) => reg.checksOf(id));
    expect(checks.map((c) => [c.gen, c.result])).toEqual([
      [1, 'failed'],
      [2, 'failed'],
      [3, 'passed'],
    ]);
    expect(readFileSync(join(workdir, 'gens'), 'utf8').trim().split('\n')).toEqual(['1', '2', '3']);
    const prompt2 = readFileSync(join(workdir, 'prompt-2'), 'utf8');
    expect(prompt2).toMatch(/attempt 1 of 3/);
    expect(prompt2).toContain(`Command: ${GATE}`);
    expect(prompt2).toMatch(/Result: exit 1/);
    expect(prompt2).toContain(`state.txt: ${MARK}`);
    expect(readFileSync(join(workdir, 'prompt-3'), 'utf8')).toMatch(/attempt 2 of 3/);
    await h.waitJob(id, () => !!h.session(id, 3)?.ended_at, 'the last session ended');
    for (const gen of [1, 2, 3])
      expect(h.session(id, gen)?.ended_at, `session of generation ${gen} ended`).toBeTruthy();
    expect(h.session(id, 3)!.end_reason).toMatch(/quality gate run 3 passed/);
    expect(escalations(id)).toEqual([]);
  });

  it('fails after its last attempt, escalated with the command that resolves it, and its session ends', {
    timeout: 90_000,
  }, async () => {
    const { id } = await h.createJob({
      script: `${AGENT}exec sleep 600\n`,
      spec: { gate: `echo ${MARK}; exit 7`, gateAttempts: 2 },
    });
    const failed = await h.waitJob(id, (j) => j.state === 'failed', 'failed after two gate runs', 60_000);
    expect(failed.gen).toBe(2);
    expect(failed.reason).toMatch(/quality gate run 2 failed \(exit 7; attempt 2 of 2\): no attempts left/);
    expect(h.read((reg) => reg.checksOf(id)).map((c) => [c.gen, c.result, c.exit_code])).toEqual([
      [1, 'failed', 7],
      [2, 'exhausted', 7],
    ]);
    expect(escalations(id)).toMatchObject([{ kind: 'gate-failed', command: `mam job resume ${id}`, cleared_at: null }]);
    // Generation 1 gave way to the relaunch; generation 2 ends through the normal end path.
    await h.waitJob(id, () => !!h.session(id, 2)?.ended_at, 'the last session ended');
    expect(h.session(id, 1)!.end_reason).toMatch(/superseded/);
    expect(h.session(id, 2)!.end_reason).toMatch(/no attempts left/);
    expect(await h.sessionAlive(h.session(id, 2)!)).toBe(false);
    const shown = await h.mam(['job', 'show', id]);
    expect(shown.stdout).toMatch(/check 2 \(gen 2\): gate `echo [^`]+`: exhausted, exit 7/);
    expect(shown.stdout).toContain(`line(s) of ${join(h.ctx.ws.jobDir(id), 'gate-2.log')}:`);
    expect(shown.stdout).toMatch(new RegExp(`\\| ${MARK}\\n  \\| # exit 7`));
  });

  it('a done while its gate runs is recorded and changes nothing: one check, one end', {
    timeout: 60_000,
  }, async () => {
    const { id } = await h.createJob({ script: GATED_AGENT, spec: { gate: 'sleep 2' } });
    await h.waitSession(id);
    release(h, id, 1, 'mam emit job.done --field summary=first; mam emit job.done --field summary=again');
    await h.waitJob(id, (j) => j.state === 'done', 'done', 30_000);
    const dones = h.read((reg) =>
      reg
        .jobTimeline(id)
        .filter((e) => e.type === 'job.done')
        .map((e) => [e.applied, e.state_after]),
    );
    expect(dones).toEqual([
      [1, 'testing'],
      [0, null],
    ]);
    expect(h.read((reg) => reg.checksOf(id)).map((c) => c.result)).toEqual(['passed']);
    await h.waitJob(id, () => !!h.session(id)?.ended_at, 'the session ended');
  });
});
