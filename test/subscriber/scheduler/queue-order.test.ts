import { describe, expect, it } from 'vitest';
import { backoffMs } from '../../../subscriber/policies/job-policy.js';
import { dependencyCycle } from '../../../subscriber/scheduler/dependency-cycle.js';
import {
  dependencyVerdict,
  effectivePriority,
  orderQueue,
  type WaitingJob,
} from '../../../subscriber/scheduler/queue-order.js';

const job = (id: string, priority: number, created_at: number): WaitingJob => ({
  id,
  state: 'queued',
  priority,
  created_at,
  not_before: null,
  agent: 'command',
  spec: '{}',
});

describe('queue order', () => {
  it('highest priority first, FIFO within a level', () => {
    const q = [job('low', 2, 1), job('hi-new', 7, 30), job('hi-old', 7, 20), job('norm', 5, 10)];
    expect(orderQueue(q, 40, 1_000_000).map((j) => j.id)).toEqual(['hi-old', 'hi-new', 'norm', 'low']);
  });

  it('a waiting job gains a level per aging period, up to 9, where FIFO puts it first', () => {
    expect(effectivePriority({ priority: 2, created_at: 0 }, 2999, 1000)).toBe(4);
    expect(effectivePriority({ priority: 2, created_at: 0 }, 100_000, 1000)).toBe(9);
    // After 5 periods the low job is at 7: the older one of that level wins over a fresh high one.
    const q = [job('low', 2, 0), job('fresh-high', 7, 5000)];
    expect(orderQueue(q, 5000, 1000).map((j) => j.id)).toEqual(['low', 'fresh-high']);
    expect(orderQueue(q, 4999, 1000).map((j) => j.id)).toEqual(['fresh-high', 'low']);
  });
});

describe('dependencies', () => {
  const states: Record<string, string> = { a: 'done', b: 'running', c: 'failed', d: 'cancelled' };
  const of = (id: string) => states[id];

  it('all of: waits until every one is done, cancels when one failed or was cancelled', () => {
    expect(dependencyVerdict(['a'], false, of)).toEqual({ kind: 'ready' });
    expect(dependencyVerdict(['a', 'b'], false, of)).toMatchObject({ kind: 'wait', on: ['b'] });
    expect(dependencyVerdict(['a', 'b', 'c'], false, of)).toMatchObject({
      kind: 'cancel',
      why: expect.stringContaining('c failed'),
    });
    expect(dependencyVerdict(['x'], false, of)).toMatchObject({
      kind: 'wait',
      why: expect.stringContaining('unknown here'),
    });
  });

  it('any of: one done suffices; cancelled once none can be done', () => {
    expect(dependencyVerdict(['c', 'a'], true, of)).toEqual({ kind: 'ready' });
    expect(dependencyVerdict(['c', 'b'], true, of)).toMatchObject({ kind: 'wait', on: ['b'] });
    expect(dependencyVerdict(['c', 'd'], true, of)).toMatchObject({ kind: 'cancel' });
  });

  it('a cycle through jobs that named the new one before it existed is found', () => {
    const deps: Record<string, string[]> = { p: ['q'], q: ['new'], r: [] };
    expect(dependencyCycle('new', ['p'], (id) => deps[id])).toEqual(['new', 'p', 'q', 'new']);
    expect(dependencyCycle('new', ['r'], (id) => deps[id])).toBeUndefined();
    expect(dependencyCycle('self', ['self'], () => [])).toEqual(['self', 'self']);
  });
});

describe('backoff', () => {
  it('doubles from the minimum, capped at the maximum, jittered within its upper half', () => {
    const p = { backoffMinMs: 1000, backoffMaxMs: 5000 };
    expect(backoffMs(p, 1, () => 0)).toBe(500);
    expect(backoffMs(p, 1, () => 1)).toBe(1000);
    expect(backoffMs(p, 3, () => 1)).toBe(4000);
    expect(backoffMs(p, 10, () => 1)).toBe(5000);
  });
});
