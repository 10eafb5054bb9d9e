/**
 * Tiered approvals against a real broker, reconciler and tmux, the jobs working in real git
 * repositories: `risk` sends a diff touching a lockfile to a person (review, escalated) and a
 * README-only diff to done; `human` waits in review — through the agent's own done and its own
 * PASS — until the operator's `mam approve`.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EscalationRow } from '../../../subscriber/registry/policy-writes.js';
import { git, makeRepo, startHost, type TestHost } from '../../helpers/host/index.js';
import { withRegistryFile } from '../../helpers/registry-file.js';

let h: TestHost;
beforeAll(async () => {
  // repos: the agent scripts live outside the repositories, so a job's diff is its own work.
  h = await startHost({ repos: true, config: { sessions: { isolation: 'none' } } });
});
afterAll(async () => {
  await h?.close();
});

/**
 * A job in a fresh repository (its base: a README, and a .gitignore for the test's step files), in the repository
 * itself.
 */
async function createIn(id: string, script: string, spec: Record<string, unknown>) {
  const repo = makeRepo();
  writeFileSync(join(repo, '.gitignore'), 'step-*\n');
  git(repo, 'add', '.');
  git(repo, 'commit', '-qm', 'ignore the step files');
  return h.createJob({ id, script, workdir: repo, worktree: false, spec });
}

const escalations = (id: string) =>
  withRegistryFile(h.ctx.ws.db, (db) =>
    db.prepare<[string], EscalationRow>('SELECT * FROM escalations WHERE job = ? ORDER BY id').all(id),
  );
const agentEvents = (id: string) =>
  h.read((reg) =>
    reg
      .jobTimeline(id)
      .filter((e) => e.sender === 'agent')
      .map((e) => ({ type: e.type, applied: e.applied })),
  );
const show = async (id: string) => JSON.parse((await h.mam(['job', 'show', id, '--json'])).stdout);

describe('approval risk', () => {
  it('a diff touching a lockfile needs a person: review, escalated, the paths recorded; mam approve ends it', {
    timeout: 60_000,
  }, async () => {
    const id = 'risky';
    await createIn(
      id,
      'echo "{}" > package-lock.json; echo more >> README.md\nmam emit job.done || exit 1\nexec sleep 600\n',
      { gate: 'true', approval: 'risk' },
    );
    const review = await h.waitJob(id, (j) => j.state === 'review', 'review for a person', 60_000);
    expect(review.reason).toMatch(
      /quality gate run 1 passed; waiting for approval \(`mam approve risky`\): approval risk: 1 of 2 changed path\(s\) match approvals.highRisk: package-lock.json/,
    );
    const [check] = h.read((reg) => reg.checksOf(id));
    expect(check).toMatchObject({
      result: 'passed',
      decision: 'human',
      approval: 'pending',
      paths: JSON.stringify(['package-lock.json']),
    });
    expect(escalations(id)).toMatchObject([{ kind: 'needs-approval', command: 'mam approve risky', cleared_at: null }]);
    expect((await show(id)).gates.checks[0]).toMatchObject({ decision: 'human', paths: ['package-lock.json'] });
    expect(h.session(id)!.ended_at, 'the session waits with its job').toBeNull();

    const r = await h.mam(['approve', id]);
    expect(r.exitCode, r.stderr).toBe(0);
    await h.waitJob(id, (j) => j.state === 'done', 'done once approved');
    await h.waitJob(id, () => !!h.session(id)?.ended_at, 'the session ended');
    expect(h.read((reg) => reg.checksOf(id))[0]!.approval).toBe('approved');
    expect(h.job(id)!.reason).toBe(`approved by operator@${h.ctx.cfg.host}`);
    expect(escalations(id)[0]!.cleared_at, 'what asked for a person is cleared').not.toBeNull();
  });

  it('a README-only diff is approved on its own: done, no escalation', { timeout: 60_000 }, async () => {
    const id = 'readme';
    await createIn(id, 'echo more >> README.md\nmam emit job.done || exit 1\nexec sleep 600\n', { approval: 'risk' });
    const done = await h.waitJob(id, (j) => j.state === 'done', 'done');
    expect(done.reason).toBe('no quality gate; approval risk: 1 changed path(s), none high-risk');
    expect(h.read((reg) => reg.checksOf(id))).toMatchObject([
      { command: null, result: 'no-gate', decision: 'auto', approval: null },
    ]);
    expect(escalations(id)).toEqual([]);
    await h.waitJob(id, () => !!h.session(id)?.ended_at, 'the session ended');
  });
});

describe('approval human', () => {
  // Runs step-1, step-2 … as the test drops them in, then waits for the next.
  const STEPS =
    'mam emit job.started || exit 1\ni=1\nwhile :; do\n  while [ ! -f "step-$i" ]; do sleep 0.05; done\n  . "./step-$i"; i=$((i+1))\ndone\n';
  const step = (id: string, n: number, commands: string) =>
    writeFileSync(join(h.workdirOf(id), `step-${n}`), `${commands}\n`);

  it("waits in review through its agent's own done and PASS, until mam approve", { timeout: 60_000 }, async () => {
    const id = 'human';
    await createIn(id, STEPS, { approval: 'human' });
    expect((await h.mam(['approve', id])).exitCode, 'nothing waits for approval yet').toBe(1);
    step(id, 1, 'mam emit job.done --field summary=first');
    const review = await h.waitJob(id, (j) => j.state === 'review', 'review for a person', 60_000);
    expect(review.reason).toMatch(
      /no quality gate; waiting for approval \(`mam approve human`\): approval human: a person decides/,
    );
    step(id, 2, 'mam emit job.done --field summary=again; mam verdict PASS; touch step-2.sent');
    await h.waitJob(id, () => agentEvents(id).length >= 4, "the agent's done and PASS recorded", 45_000);
    expect(h.job(id)!.state, 'the agent cannot approve itself').toBe('review');
    expect(agentEvents(id).slice(-2)).toEqual([
      { type: 'job.done', applied: 0 },
      { type: 'review.verdict', applied: 0 },
    ]);
    expect(escalations(id)).toMatchObject([{ kind: 'needs-approval', cleared_at: null }]);

    const r = await h.mam(['approve', id]);
    expect(r.exitCode, r.stderr).toBe(0);
    await h.waitJob(id, (j) => j.state === 'done', 'done once approved');
    await h.waitJob(id, () => !!h.session(id)?.ended_at, 'the session ended');
    const shown = (await h.mam(['job', 'show', id])).stdout;
    expect(shown).toMatch(/check 1 \(gen 1\): no gate: no-gate; approval human \(approved\)/);
  });
});
