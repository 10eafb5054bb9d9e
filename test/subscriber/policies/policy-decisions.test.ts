/**
 * The pure halves of retries and circuit breakers: what a failure, a done and the clock do to a
 * breaker row, and what a failed generation's policy decides.
 */
import { describe, expect, it } from 'vitest';
import {
  afterCooldown,
  afterFailure,
  afterSuccess,
  closedBreaker,
  failuresOf,
  probeReason,
  type BreakerLimits,
} from '../../../subscriber/policies/breaker-state.js';
import { decideRetry, gaveUp } from '../../../subscriber/policies/retry-decision.js';
import type { BreakerRow } from '../../../subscriber/registry/policy-writes.js';
import type { JobRow } from '../../../subscriber/registry/registry.js';

const LIMITS: BreakerLimits = { failures: 3, windowMs: 60_000, cooldownMs: 10_000 };
const T = Date.parse('2026-12-04T10:00:00Z');

function fail(b: BreakerRow, job: string, at: number, gen = 1): BreakerRow {
  return afterFailure(b, { job, gen, at, why: `${job} broke` }, LIMITS, at) ?? b;
}

describe('circuit breaker state', () => {
  it('opens on the K-th consecutive failure within the window, saying since when and which', () => {
    let b = closedBreaker('h1', 'claude');
    b = fail(b, 'a', T);
    b = fail(b, 'b', T + 1000);
    expect(b.state).toBe('closed');
    b = fail(b, 'c', T + 2000);
    expect(b.state).toBe('open');
    expect(b.opened_at).toBe(T + 2000);
    expect(b.reason).toBe(
      'breaker open for claude on h1 since 2026-12-04T10:00:02.000Z (3 failures: a: a broke; b: b broke; c: c broke)',
    );
  });

  it('counts a generation once, forgets failures older than the window, and a done ends the run', () => {
    let b = closedBreaker('h1', 'claude');
    b = fail(b, 'a', T);
    expect(afterFailure(b, { job: 'a', gen: 1, at: T, why: 'again' }, LIMITS, T + 1)).toBeUndefined();
    b = fail(b, 'a', T + 1, 2);
    // Past the window the first two drop out: one failure left, closed.
    b = fail(b, 'b', T + 61_000);
    expect(b.state).toBe('closed');
    expect(failuresOf(b).map((f) => f.job)).toEqual(['b']);
    b = afterSuccess(b, 'z')!;
    expect(failuresOf(b)).toEqual([]);
    expect(afterSuccess(b, 'z')).toBeUndefined();
  });

  it('turns half-open after the cooldown; the probe closes it or opens it again', () => {
    let b = closedBreaker('h1', 'codex');
    for (const j of ['a', 'b', 'c']) b = fail(b, j, T);
    expect(afterCooldown(b, LIMITS, T + 9_999)).toBeUndefined();
    const half = afterCooldown(b, LIMITS, T + 10_000)!;
    expect(half.state).toBe('half-open');
    const probing = { ...half, probe_job: 'p' };
    expect(probeReason(probing)).toContain('waiting for probe job p');
    // Another job's outcome changes nothing while the probe runs.
    expect(afterSuccess(probing, 'other')).toBeUndefined();
    expect(afterFailure(probing, { job: 'other', gen: 1, at: T, why: 'x' }, LIMITS, T + 11_000)).toBeUndefined();
    expect(afterSuccess(probing, 'p')).toEqual(closedBreaker('h1', 'codex'));
    const again = afterFailure(probing, { job: 'p', gen: 1, at: T + 12_000, why: 'still broken' }, LIMITS, T + 12_000)!;
    expect(again).toMatchObject({ state: 'open', opened_at: T + 12_000, probe_job: null });
    expect(again.reason).toContain('probe job p failed: still broken');
  });
});

const row = (over: Partial<JobRow>): JobRow => ({
  id: 'j',
  state: 'failed',
  reason: 'tests fail',
  gen: 1,
  host: 'h1',
  agent: 'command',
  workdir: null,
  spec: '{}',
  state_seq: 1,
  created_at: T,
  updated_at: T,
  last_event_at: null,
  born_ts: null,
  priority: 5,
  not_before: null,
  attempts: 0,
  gate_runs: 0,
  ...over,
});

describe('retry decision', () => {
  const policy = { retries: 2, backoffMinMs: 1000, backoffMaxMs: 4000 };

  it('retries while attempts remain, the deadline within the jittered backoff, the reason saying when and after what', () => {
    const d = decideRetry(row({}), policy, T);
    expect(d?.kind).toBe('retry');
    if (d?.kind !== 'retry') return;
    expect(d.attempts).toBe(1);
    expect(d.notBefore - T).toBeGreaterThanOrEqual(500);
    expect(d.notBefore - T).toBeLessThanOrEqual(1000);
    expect(d.reason).toBe(`retry 1 of 2 at ${new Date(d.notBefore).toISOString()} after: tests fail`);
    const second = decideRetry(row({ attempts: 1 }), policy, T);
    expect(second?.kind === 'retry' && second.notBefore - T).toBeGreaterThanOrEqual(1000);
  });

  it('gives up once the retries are used or the agent said the failure is not retryable; nothing without retries', () => {
    const spent = decideRetry(row({ attempts: 2 }), policy, T);
    expect(spent).toEqual({ kind: 'give-up', reason: 'retries exhausted (2 of 2) after: tests fail' });
    expect(gaveUp(spent!.reason)).toBe(true);
    expect(decideRetry(row({}), policy, T, false)?.kind).toBe('give-up');
    expect(decideRetry(row({}), { ...policy, retries: 0 }, T)).toBeUndefined();
    expect(gaveUp('retry 1 of 2 at …')).toBe(false);
  });
});
