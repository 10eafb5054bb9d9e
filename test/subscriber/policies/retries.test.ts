/**
 * Retries with backoff through the real broker, reconciler and tmux: after a job.failed, after a
 * killed session and after a failed launch, a new generation starts no earlier than its persisted
 * deadline; used-up retries leave the job failed with an escalation.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../../../core/package-root.js';
import type { EscalationRow } from '../../../subscriber/registry/policy-writes.js';
import { GATED_AGENT, release, startHost, type TestHost } from '../../helpers/host/index.js';
import { withRegistryFile } from '../../helpers/registry-file.js';
import { waitFor } from '../../helpers/wait.js';

const DONE = 'echo ok > out.txt; mam emit job.done --field summary=ok';

let h: TestHost;
beforeAll(async () => {
  // The breaker (breaker.test.ts) kept out of the way: these jobs fail on purpose.
  const claude = { bin: join(packageRoot(), 'test', 'fixtures', 'fake-claude.mjs'), readyTimeoutMs: 20_000 };
  h = await startHost({
    sweepIntervalMs: 300,
    config: { sessions: { isolation: 'none' }, breaker: { failures: 100 }, agents: { claude } },
  });
});
afterAll(async () => {
  await h?.close();
});

/** When the event of `type` that generation `gen` of the job sent was committed. */
const committedAt = (id: string, type: string, gen: number) =>
  withRegistryFile(
    h.ctx.ws.db,
    (db) =>
      db
        .prepare<[string, string, number], number>(
          'SELECT received_at FROM events WHERE job = ? AND type = ? AND gen = ? AND applied = 1',
        )
        .pluck()
        .get(id, type, gen)!,
  );

const escalations = (id: string) =>
  withRegistryFile(h.ctx.ws.db, (db) =>
    db.prepare<[string], EscalationRow>('SELECT * FROM escalations WHERE job = ? ORDER BY id').all(id),
  );

describe('retries with backoff', () => {
  it('after job.failed: retrying with the deadline in its reason, the next generation no earlier, then done; a dependent waits through it', {
    timeout: 60_000,
  }, async () => {
    const { id } = await h.createJob({
      script: GATED_AGENT,
      expect: ['out.txt'],
      spec: { retries: 2, backoffMinMs: 2000, backoffMaxMs: 2000 },
    });
    const dependent = await h.createJob({
      script: 'mam emit job.done; exec sleep 600',
      backend: 'pty',
      spec: { after: [id] },
    });
    await h.waitSession(id);
    release(h, id, 1, "mam emit job.failed --field reason='tests fail'");
    const retrying = await h.waitJob(id, (j) => j.state === 'retrying', 'retrying after the failure');
    const failedAt = committedAt(id, 'job.failed', 1);
    expect(retrying.attempts).toBe(1);
    // Full jitter on the upper half: 1000 to 2000 ms after the failure (the decision follows the session's end).
    expect(retrying.not_before! - failedAt).toBeGreaterThanOrEqual(1000);
    expect(retrying.not_before! - failedAt).toBeLessThan(2000 + 5000);
    expect(retrying.reason).toBe(`retry 1 of 2 at ${new Date(retrying.not_before!).toISOString()} after: tests fail`);
    expect(h.session(id, 1)!.ended_at, 'the failed generation ended first').not.toBeNull();
    const second = await h.waitJob(id, (j) => j.gen === 2 && !!h.session(id, 2), 'generation 2 launched');
    expect(h.session(id, 2)!.started_at, 'launched no earlier than its deadline').toBeGreaterThanOrEqual(
      retrying.not_before!,
    );
    expect(h.session(id, 2)!.started_at).toBeGreaterThanOrEqual(h.session(id, 1)!.ended_at!);
    expect(h.job(dependent.id)!.state, 'the dependent waits through the failure').toBe('queued');
    release(h, id, 2, DONE);
    const done = await h.waitJob(id, (j) => j.state === 'done', 'done in generation 2');
    expect(done.gen).toBe(second.gen);
    await h.waitJob(dependent.id, (j) => j.state === 'done', 'the dependent done after it');
  });

  it('after a killed session: lost → retrying → a new generation → done', { timeout: 60_000 }, async () => {
    const { id } = await h.createJob({
      script: GATED_AGENT,
      expect: ['out.txt'],
      spec: { retries: 1, backoffMinMs: 1500, backoffMaxMs: 1500 },
    });
    const first = await h.waitSession(id);
    await h.waitJob(id, (j) => j.state === 'running', 'running');
    expect((await h.tmux('kill-session', '-t', `=${first.name}`)).ok).toBe(true);
    const retrying = await h.waitJob(id, (j) => j.state === 'retrying', 'retrying after the loss');
    expect(retrying.reason).toBe(
      `retry 1 of 1 at ${new Date(retrying.not_before!).toISOString()} after: session ${first.name} vanished without a terminal event`,
    );
    await h.waitJob(id, (j) => j.gen === 2 && !!h.session(id, 2), 'generation 2 launched', 30_000);
    expect(h.session(id, 1)!.end_reason).toMatch(/lost/);
    expect(h.session(id, 2)!.started_at).toBeGreaterThanOrEqual(retrying.not_before!);
    release(h, id, 2, DONE);
    await h.waitJob(id, (j) => j.state === 'done', 'done in generation 2');
  });

  it("a retry continues the agent's own session: claude killed mid-work comes back with --resume <its session id>", {
    timeout: 90_000,
  }, async () => {
    const dir = join(h.tw.root, 'work', 'claude-retry');
    mkdirSync(dir, { recursive: true });
    const log = join(dir, 'fake.log');
    const fake = (workMs: number) =>
      writeFileSync(
        join(dir, '.fake.json'),
        JSON.stringify({ FAKE_START_MS: '300', FAKE_LOG: log, FAKE_WORK_MS: String(workMs) }),
      );
    fake(120_000);
    const { id } = await h.createJob({
      spec: {
        agent: 'claude',
        workdir: dir,
        prompt: 'fix the flaky test',
        worktree: false,
        retries: 1,
        backoffMinMs: 500,
        backoffMaxMs: 500,
      },
    });
    let first = h.session(id, 1);
    await waitFor(
      () =>
        !!(first = h.session(id, 1))?.agent_session_id &&
        /submitted/.test(existsSync(log) ? readFileSync(log, 'utf8') : ''),
      40_000,
      'claude at work, its session id reported',
    ).catch((err) => {
      throw new Error(`${err}\n${existsSync(log) ? readFileSync(log, 'utf8') : ''}\n${h.logs()}`);
    });
    // The next generation finishes quickly.
    fake(300);
    expect((await h.tmux('kill-session', '-t', `=${first!.name}`)).ok).toBe(true);
    await h.waitJob(id, (j) => j.state === 'done' && j.gen === 2, 'done in generation 2', 60_000);
    expect(h.job(id)!.attempts).toBe(1);
    expect(readFileSync(log, 'utf8')).toContain(`"--resume","${first!.agent_session_id}"`);
  });

  it('retries used up: the job stays failed, its reason says so, and it is escalated once', {
    timeout: 60_000,
  }, async () => {
    const { id } = await h.createJob({
      script: GATED_AGENT,
      spec: { retries: 1, backoffMinMs: 100, backoffMaxMs: 100 },
    });
    await h.waitSession(id);
    release(h, id, 1, "mam emit job.failed --field reason='first try'");
    await h.waitJob(id, (j) => j.gen === 2 && !!h.session(id, 2), 'generation 2 launched');
    release(h, id, 2, "mam emit job.failed --field reason='second try'");
    const failed = await h.waitJob(
      id,
      (j) => j.state === 'failed' && /^retries exhausted/.test(j.reason ?? ''),
      'failed for good',
    );
    expect(failed.reason).toBe('retries exhausted (1 of 1) after: second try');
    expect(failed.gen).toBe(2);
    await h.sweeps(2);
    expect(h.job(id)!.gen, 'no third generation').toBe(2);
    const rows = escalations(id);
    expect(rows.map((e) => [e.kind, e.command, e.cleared_at])).toEqual([
      ['retries-exhausted', `mam job resume ${id}`, null],
    ]);
    expect(rows[0]!.reason).toBe(failed.reason);
  });

  it('a failed launch is a failure too: retried, then given up', { timeout: 60_000 }, async () => {
    // A worktree asked of a folder outside git: the launch itself fails, every time.
    const { id } = await h.createJob({ spec: { worktree: true, retries: 1, backoffMinMs: 100, backoffMaxMs: 100 } });
    const failed = await h.waitJob(
      id,
      (j) => j.state === 'failed' && /^retries exhausted/.test(j.reason ?? ''),
      'failed for good',
    );
    expect(failed.reason).toMatch(/^retries exhausted \(1 of 1\) after: launch failed: .*not in a git repository/);
    expect(failed.attempts).toBe(1);
    expect(failed.gen).toBe(2);
    expect(escalations(id).map((e) => e.kind)).toEqual(['retries-exhausted']);
  });

  it('a failure the agent reports as not retryable is not retried', { timeout: 60_000 }, async () => {
    const { id } = await h.createJob({
      script: GATED_AGENT,
      spec: { retries: 3, backoffMinMs: 100, backoffMaxMs: 100 },
    });
    await h.waitSession(id);
    release(h, id, 1, "mam emit job.failed --field reason='bad spec' --field retryable=false");
    const failed = await h.waitJob(
      id,
      (j) => j.state === 'failed' && /^not retried/.test(j.reason ?? ''),
      'failed, not retried',
    );
    expect(failed.reason).toBe('not retried: the agent reported the failure as not retryable: bad spec');
    await h.sweeps(2);
    expect(h.job(id)!.gen).toBe(1);
    await waitFor(() => escalations(id).length === 1, 5000, 'its escalation');
    expect(escalations(id)[0]).toMatchObject({ kind: 'retries-exhausted', reason: failed.reason });
  });
});
