/**
 * The circuit breaker per agent kind through the real broker, reconciler, tmux and CLI: K failures
 * open it and hold that agent's jobs (never another agent's), the half-open probe's done closes it,
 * an operator's signed reset closes it at once, and a replayed reset is refused.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { topics } from '../../../core/topics.js';
import type { BreakerRow, EscalationRow } from '../../../subscriber/registry/policy-writes.js';
import { GATED_AGENT, release, startHost, type TestHost } from '../../helpers/host/index.js';
import { withRegistryFile } from '../../helpers/registry-file.js';
import { waitFor } from '../../helpers/wait.js';

const DONE = 'echo ok > out.txt; mam emit job.done --field summary=ok';
const FAIL = "mam emit job.failed --field reason='no credits left'";

const breakerOf = (h: TestHost, agent: string) => h.read((reg) => reg.getBreaker(h.ctx.cfg.host, agent));
const escalationsOf = (h: TestHost, kind: string) =>
  withRegistryFile(h.ctx.ws.db, (db) =>
    db.prepare<[string], EscalationRow>('SELECT * FROM escalations WHERE kind = ? ORDER BY id').all(kind),
  );

async function waitBreaker(
  h: TestHost,
  agent: string,
  ok: (b: BreakerRow) => boolean,
  what: string,
): Promise<BreakerRow> {
  let b: BreakerRow | undefined;
  await waitFor(() => !!(b = breakerOf(h, agent)) && ok(b), 20_000, what).catch(() => {
    throw new Error(`timed out waiting for the ${agent} breaker: ${what}; it is ${JSON.stringify(b)}\n${h.logs()}`);
  });
  return b!;
}

/** Jobs of the command agent that fail, one after the other (their generation 1 reports job.failed). */
async function failJobs(h: TestHost, n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const { id } = await h.createJob({ script: GATED_AGENT });
    await h.waitSession(id);
    release(h, id, 1, FAIL);
    await h.waitJob(id, (j) => j.state === 'failed', 'failed');
    ids.push(id);
  }
  return ids;
}

describe('circuit breaker: open, half-open probe, closed', () => {
  let h: TestHost;
  let dir: string;
  beforeAll(async () => {
    // A "claude" that reports done at once: the agent whose breaker stays closed.
    dir = mkdtempSync(join(tmpdir(), 'mam-breaker-'));
    writeFileSync(join(dir, 'claude'), '#!/bin/sh\nmam emit job.done --field summary=ok\nexec sleep 600\n', {
      mode: 0o755,
    });
    h = await startHost({
      sweepIntervalMs: 300,
      config: {
        sessions: { isolation: 'none' },
        breaker: { failures: 2, windowSeconds: 120, cooldownSeconds: 4 },
        agents: { claude: { bin: join(dir, 'claude'), readyTimeoutMs: 1000 } },
      },
    });
  });
  afterAll(async () => {
    await h?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('opens after K failures, holds that agent only, escalates once; the probe done closes it and the waiting jobs run', {
    timeout: 120_000,
  }, async () => {
    const host = h.ctx.cfg.host;
    const failed = await failJobs(h, 2);
    const open = await waitBreaker(h, 'command', (b) => b.state === 'open', 'open after 2 failures');
    expect(open.reason).toBe(
      `breaker open for command on ${host} since ${new Date(open.opened_at!).toISOString()} (2 failures: ${failed[0]}: no credits left; ${failed[1]}: no credits left)`,
    );
    expect(escalationsOf(h, 'breaker-open').map((e) => [e.job, e.command, e.cleared_at])).toEqual([
      [failed[1], `mam breaker reset command --host ${host}`, null],
    ]);

    const waiting = [(await h.createJob({ script: GATED_AGENT })).id, (await h.createJob({ script: GATED_AGENT })).id];
    for (const id of waiting)
      await h.waitJob(id, (j) => j.state === 'queued' && j.reason === open.reason, 'held with the breaker reason');
    const ps = await h.mam(['ps']);
    expect(String(ps.stdout)).toContain(`breaker command open: ${open.reason}`);
    expect(String(ps.stdout)).toContain('reset: mam breaker reset command');

    // Another agent's job launches meanwhile and runs to done.
    const other = await h.createJob({ spec: { agent: 'claude' } });
    await h.waitJob(other.id, (j) => j.state === 'done', 'the claude job done');
    expect(h.session(other.id, 1)!.started_at).toBeGreaterThanOrEqual(open.opened_at!);

    // After the cooldown one waiting job launches as the probe; the other waits for it.
    let probe = '';
    await waitFor(() => !!(probe = waiting.find((id) => h.session(id, 1)) ?? ''), 30_000, 'a probe launched');
    const rest = waiting.find((id) => id !== probe)!;
    expect(h.session(probe, 1)!.started_at, 'not before the cooldown').toBeGreaterThanOrEqual(open.opened_at! + 4000);
    expect(breakerOf(h, 'command')).toMatchObject({ state: 'half-open', probe_job: probe });
    await h.waitJob(
      rest,
      (j) => (j.reason ?? '').includes(`waiting for probe job ${probe}`),
      'the other waits for the probe',
    );
    await h.sweeps(2);
    expect(h.session(rest, 1), 'one probe only').toBeUndefined();

    release(h, probe, 1, DONE);
    await h.waitJob(probe, (j) => j.state === 'done', 'the probe done');
    const closed = await waitBreaker(h, 'command', (b) => b.state === 'closed', 'closed by the probe');
    expect(closed).toMatchObject({ failures: '[]', reason: null, opened_at: null, probe_job: null });
    expect(escalationsOf(h, 'breaker-open')[0]!.cleared_at, 'its escalation cleared').not.toBeNull();
    const next = await h.waitSession(rest, 20_000);
    expect(next.started_at).toBeGreaterThanOrEqual(h.job(probe)!.updated_at);
    release(h, rest, 1, DONE);
    await h.waitJob(rest, (j) => j.state === 'done', 'the waiting job done');
  });
});

describe('circuit breaker: operator reset', () => {
  let h: TestHost;
  beforeAll(async () => {
    // A cooldown no test waits for: only the reset can close it.
    h = await startHost({
      sweepIntervalMs: 300,
      config: { sessions: { isolation: 'none' }, breaker: { failures: 1, cooldownSeconds: 3600 } },
    });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('mam breaker reset closes it through a signed breaker.reset; the held job runs; a replay of the reset is refused', {
    timeout: 120_000,
  }, async () => {
    await failJobs(h, 1);
    const open = await waitBreaker(h, 'command', (b) => b.state === 'open', 'open after 1 failure');
    const { id: held } = await h.createJob({ script: GATED_AGENT });
    await h.waitJob(held, (j) => j.reason === open.reason, 'held by the breaker');
    const json = JSON.parse(String((await h.mam(['ps', '--json'])).stdout)) as {
      breakers: Array<{ agent: string; state: string; reason: string }>;
    };
    expect(json.breakers).toEqual([expect.objectContaining({ agent: 'command', state: 'open', reason: open.reason })]);

    const r = await h.mam(['breaker', 'reset', 'command', '--reason', 'credits topped up']);
    expect(r.exitCode, String(r.stderr)).toBe(0);
    expect(String(r.stdout)).toMatch(/breaker of command on testhost reset/);
    expect(breakerOf(h, 'command')).toMatchObject({ state: 'closed', failures: '[]', reason: null });
    expect(escalationsOf(h, 'breaker-open')[0]!.cleared_at).not.toBeNull();
    await h.waitSession(held, 20_000);
    release(h, held, 1, DONE);
    await h.waitJob(held, (j) => j.state === 'done', 'the held job done');
    expect(String((await h.mam(['ps'])).stdout)).not.toContain('breaker command');

    // Open again; the same signed reset sent once more must not close it.
    await failJobs(h, 1);
    await waitBreaker(h, 'command', (b) => b.state === 'open', 'open again');
    const raw = withRegistryFile(
      h.ctx.ws.db,
      (db) => db.prepare<[], Buffer>("SELECT raw FROM events WHERE type = 'breaker.reset'").pluck().get()!,
    );
    const op = await h.operator();
    await op.publish(topics.control(h.ctx.cfg.namespace, h.ctx.cfg.host), raw, { qos: 1 });
    await waitFor(
      () => h.rejections('breaker-command').some((x) => x.reason === 'replay'),
      10_000,
      'the replay refused',
    );
    await h.sweeps(1);
    expect(breakerOf(h, 'command')!.state).toBe('open');
  });

  it('mam breaker reset refuses what is not an agent name, before sending anything', async () => {
    const r = await h.mam(['breaker', 'reset', 'Not/An/Agent']);
    expect(r.exitCode).toBe(2);
    expect(String(r.stderr)).toMatch(/say which agent/);
  });
});
