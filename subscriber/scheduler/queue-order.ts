import type { JobRow } from '../registry/registry.js';

/** What the queue needs of a waiting job (queued, or retrying after a failure). */
export type WaitingJob = Pick<JobRow, 'id' | 'state' | 'priority' | 'created_at' | 'not_before' | 'agent' | 'spec'>;

export const MAX_PRIORITY = 9;

/** A waiting job gains one level per `agingMs` since it was created, up to the top level. */
export function effectivePriority(
  job: Pick<WaitingJob, 'priority' | 'created_at'>,
  now: number,
  agingMs: number,
): number {
  const aged = Math.floor(Math.max(0, now - job.created_at) / agingMs);
  return Math.min(MAX_PRIORITY, job.priority + aged);
}

/**
 * The launch order: highest effective priority first, FIFO within a level (the older job first).
 * Aging lifts every waiting job to the top level eventually, where FIFO puts it ahead of newer
 * arrivals of any priority: no job is starved.
 */
export function orderQueue<J extends WaitingJob>(jobs: readonly J[], now: number, agingMs: number): J[] {
  const keyed = jobs.map((j) => ({ j, p: effectivePriority(j, now, agingMs) }));
  keyed.sort(
    (a, b) => b.p - a.p || a.j.created_at - b.j.created_at || (a.j.id < b.j.id ? -1 : a.j.id > b.j.id ? 1 : 0),
  );
  return keyed.map((k) => k.j);
}

export type DependencyVerdict =
  | { kind: 'ready' }
  | { kind: 'wait'; on: string[]; why: string }
  | { kind: 'cancel'; why: string };

/**
 * Whether a job's dependencies let it start. `stateOf` gives each dependency's state as this host
 * knows it (mirrored from its owner's signed state when it runs elsewhere), undefined if unknown.
 * All of (default): every one done; one failed, cancelled or timed out cancels the job.
 * Any of: one done suffices; the job is cancelled only once none can be done any more.
 */
export function dependencyVerdict(
  after: readonly string[],
  any: boolean,
  stateOf: (job: string) => string | undefined,
): DependencyVerdict {
  if (after.length === 0) return { kind: 'ready' };
  const states = after.map((d) => [d, stateOf(d)] as const);
  const dead = states.filter(([, s]) => s === 'failed' || s === 'cancelled' || s === 'timeout');
  const open = states.filter(([, s]) => s !== 'done' && s !== 'failed' && s !== 'cancelled' && s !== 'timeout');
  if (any) {
    if (states.some(([, s]) => s === 'done')) return { kind: 'ready' };
    if (open.length === 0) return { kind: 'cancel', why: `every dependency ended without done: ${describe(dead)}` };
  } else {
    if (dead.length) return { kind: 'cancel', why: `dependency ${describe(dead)}` };
    if (open.length === 0) return { kind: 'ready' };
  }
  const on = open.map(([d]) => d);
  return {
    kind: 'wait',
    on,
    why: `waiting for ${any ? 'any of ' : ''}${open.map(([d, s]) => `${d} (${s ?? 'unknown here'})`).join(', ')}`,
  };
}

function describe(list: ReadonlyArray<readonly [string, string | undefined]>): string {
  return list.map(([d, s]) => `${d} ${s}`).join(', ');
}
