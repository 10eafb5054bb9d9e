/**
 * The host's queue with a real broker, reconciler and tmux: capacity, priority with aging, and
 * dependencies (wait, cancel propagation, any-of), plus what `mam job create` refuses.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DONE_AGENT, GATED_AGENT, release, startHost, type TestHost } from '../../helpers/host/index.js';
import { waitFor } from '../../helpers/wait.js';

/** The most sessions alive at once, from the registry's recorded start and end of each. */
function maxOverlap(spans: Array<{ started_at: number; ended_at: number | null }>): number {
  const points = spans.flatMap(
    (s) =>
      [
        [s.started_at, 1],
        [s.ended_at ?? Number.MAX_SAFE_INTEGER, -1],
      ] as const,
  );
  // An end at the same millisecond as a start is counted first: that slot was already free.
  points.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let live = 0;
  let max = 0;
  for (const [, d] of points) max = Math.max(max, (live += d));
  return max;
}

describe('capacity: sessions.maxConcurrent', () => {
  let h: TestHost;
  beforeAll(async () => {
    h = await startHost({ sweepIntervalMs: 500, config: { sessions: { maxConcurrent: 4, isolation: 'none' } } });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('200 jobs: never more than 4 sessions alive at once, and every job done', { timeout: 240_000 }, async () => {
    const ids = Array.from({ length: 200 }, (_, i) => `cap-${i}`);
    for (let i = 0; i < ids.length; i += 20) {
      await Promise.all(
        ids.slice(i, i + 20).map((id, k) => h.createJob({ id, backend: k % 2 ? 'pty' : 'tmux', expect: ['out.txt'] })),
      );
    }
    const waiting = h.read((reg) => ids.filter((id) => reg.getJob(id)?.state === 'queued').length);
    expect(waiting, 'jobs beyond capacity wait queued').toBeGreaterThan(0);
    await waitFor(
      () => h.read((reg) => ids.every((id) => !!reg.getSession(id, 1)?.ended_at)),
      200_000,
      'every session ended',
    ).catch(() => {
      throw new Error(
        `not done: ${h.read((reg) =>
          ids
            .filter((id) => reg.getJob(id)?.state !== 'done')
            .map((id) => `${id}=${reg.getJob(id)?.state}`)
            .join(' '),
        )}\n${h.logs()}`,
      );
    });
    const spans = h.read((reg) => ids.map((id) => reg.getSession(id, 1)!));
    expect(h.read((reg) => ids.filter((id) => reg.getJob(id)!.state !== 'done'))).toEqual([]);
    expect(
      h.read((reg) => ids.filter((id) => reg.getJob(id)!.gen !== 1)),
      'each launched once',
    ).toEqual([]);
    const max = maxOverlap(spans);
    expect(max).toBeLessThanOrEqual(4);
    expect(max, 'the limit is used, not undershot').toBe(4);
  });
});

describe('priority and aging', () => {
  let h: TestHost;
  beforeAll(async () => {
    h = await startHost({
      sweepIntervalMs: 300,
      config: { sessions: { maxConcurrent: 1, isolation: 'none' }, scheduler: { agingSeconds: 1 } },
    });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('high priority goes first, yet a low-priority job starts within its aging bound while high ones keep arriving', {
    timeout: 120_000,
  }, async () => {
    const holder = await h.createJob({ id: 'holder', script: GATED_AGENT });
    await h.waitSession(holder.id);
    await h.createJob({ id: 'low', spec: { priority: 2 } });
    const high: string[] = [];
    // Each high job holds the one slot a second, and they arrive two at a time: the queue never runs dry of
    // them, however slow the machine, so only aging can let the low one through (the exact levels and bounds
    // are queue-order.test.ts's).
    const createHigh = async () => {
      const ids = [`high-${high.length}`, `high-${high.length + 1}`];
      high.push(...ids);
      const script = 'sleep 1; mam emit job.done --field summary=ok || exit 1; exec sleep 600';
      await Promise.all(ids.map((id) => h.createJob({ id, script, spec: { priority: 7 } })));
    };
    await createHigh();
    await h.waitJob('low', (j) => /waiting for a free session slot/.test(j.reason ?? ''), 'low says why it waits');
    release(h, holder.id, 1, 'mam emit job.done');
    // High jobs keep coming, one every 400 ms, until the low one has started (bounded).
    for (let i = 0; i < 60 && !h.session('low'); i++) {
      await createHigh();
      await new Promise((r) => setTimeout(r, 400));
    }
    const low = await h.waitSession('low', 30_000);
    const lowJob = h.job('low')!;
    const started = h.read((reg) => high.map((id) => ({ id, job: reg.getJob(id)!, s: reg.getSession(id, 1) })));
    // Priority: the high jobs created before the slot freed ran before the low one.
    expect(started.filter((x) => x.s && x.s.started_at < low.started_at).length).toBeGreaterThanOrEqual(2);
    // Aging: 5 levels apart at 1 s a level, so no high job created 5 s or more after the low one went first.
    const overtook = started.filter(
      (x) => x.job.created_at >= lowJob.created_at + 5000 && x.s && x.s.started_at < low.started_at,
    );
    expect(overtook.map((x) => x.id)).toEqual([]);
    // ... while high jobs were still waiting: the low one got through by aging, not through an empty queue.
    const waitingThen = started.filter(
      (x) => x.job.created_at < low.started_at && !(x.s && x.s.started_at < low.started_at),
    );
    expect(waitingThen.length).toBeGreaterThan(0);
  });
});

describe('dependencies', () => {
  let h: TestHost;
  beforeAll(async () => {
    h = await startHost({ sweepIntervalMs: 300, config: { sessions: { isolation: 'none' } } });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('a job waits for its dependencies, says on what, and starts once they are done', { timeout: 60_000 }, async () => {
    await h.createJob({ id: 'dep-a', script: GATED_AGENT });
    await h.createJob({ id: 'dep-b', spec: { after: ['dep-a'] } });
    await h.createJob({ id: 'dep-c', spec: { after: ['dep-b'] }, expect: ['out.txt'] });
    await h.waitJob(
      'dep-b',
      (j) => /waiting for dep-a \(running|waiting for dep-a \(starting/.test(j.reason ?? ''),
      'dep-b says it waits for dep-a',
    );
    expect(h.job('dep-c')!.state).toBe('queued');
    expect(h.session('dep-b')).toBeUndefined();
    release(h, 'dep-a', 1, 'mam emit job.done');
    await h.waitJob('dep-c', (j) => j.state === 'done', 'the chain done', 30_000);
    const a = h.session('dep-a')!;
    const b = h.session('dep-b')!;
    expect(b.started_at).toBeGreaterThanOrEqual(h.read((reg) => reg.getJob('dep-a')!.updated_at) - 5000);
    expect(b.started_at).toBeGreaterThan(a.started_at);
  });

  it('a failed dependency cancels its dependents, and theirs; any-of goes on with the one done', {
    timeout: 60_000,
  }, async () => {
    await h.createJob({ id: 'ok-1', script: DONE_AGENT });
    await h.waitJob('ok-1', (j) => j.state === 'done', 'ok-1 done');
    await h.createJob({ id: 'bad-1', script: GATED_AGENT });
    await h.createJob({ id: 'child-1', spec: { after: ['bad-1'] } });
    await h.createJob({ id: 'grandchild-1', spec: { after: ['child-1'] } });
    await h.createJob({ id: 'either-1', spec: { after: ['bad-1', 'ok-1'], afterAny: true } });
    await h.waitJob('either-1', (j) => j.state === 'done', 'the any-of job done (ok-1 suffices)', 30_000);
    release(h, 'bad-1', 1, "mam emit job.failed --field reason='tests broke'");
    const child = await h.waitJob('child-1', (j) => j.state === 'cancelled', 'child cancelled');
    expect(child.reason).toMatch(/dependency bad-1 failed/);
    const grandchild = await h.waitJob('grandchild-1', (j) => j.state === 'cancelled', 'grandchild cancelled');
    expect(grandchild.reason).toMatch(/dependency child-1 cancelled/);
    expect(h.session('child-1')).toBeUndefined();
  });

  it('mam job create refuses an unknown dependency (exit 4) and a job waiting for itself (exit 2), keeping nothing', async () => {
    const unknown = await h.mam([
      'job',
      'create',
      '--agent',
      'command',
      '--id',
      'orphan-dep',
      '--after',
      'nosuch',
      '--',
      'true',
    ]);
    expect(unknown.exitCode, String(unknown.stderr)).toBe(4);
    expect(String(unknown.stderr)).toMatch(/--after nosuch: no such job/);
    const self = await h.mam([
      'job',
      'create',
      '--agent',
      'command',
      '--id',
      'selfish',
      '--after',
      'selfish',
      '--',
      'true',
    ]);
    expect(self.exitCode, String(self.stderr)).toBe(2);
    expect(String(self.stderr)).toMatch(/would wait for itself: selfish → selfish/);
    expect(h.job('orphan-dep')).toBeUndefined();
    expect(h.job('selfish')).toBeUndefined();
  });
});
