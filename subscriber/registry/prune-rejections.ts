import type { Registry } from './registry.js';

export interface RejectionBounds {
  /** rows kept at most, newest first */
  keepMax: number;
  /** rows older than this many days go */
  keepDays: number;
}

/**
 * Deletes refused messages beyond the bounds: any agent login can send
 * garbage, and each one is kept with up to 2 KiB of its bytes. The count of
 * each reason is kept apart (rejection_counts), so pruning loses no totals.
 * Returns how many rows went.
 */
export function pruneRejections(reg: Registry, bounds: RejectionBounds, now = Date.now()): number {
  // A row stays while it is among the newest keepMax AND younger than keepDays.
  const [cutoff, cut] = limits(reg, bounds, now);
  return reg.transaction(() => reg.db.prepare('DELETE FROM rejections WHERE at < ? OR id <= ?').run(cutoff, cut).changes);
}

/** The age cutoff, and the id at or below which rows fall outside the newest keepMax (0: none). */
function limits(reg: Registry, bounds: RejectionBounds, now: number): [number, number] {
  const cut = reg.db.prepare<[number], number>('SELECT id FROM rejections ORDER BY id DESC LIMIT 1 OFFSET ?').pluck().get(bounds.keepMax) ?? 0;
  return [now - bounds.keepDays * 86_400_000, cut];
}

/** How many rows pruneRejections would delete now (for `mam gc --dry-run`). */
export function countPrunableRejections(reg: Registry, bounds: RejectionBounds, now = Date.now()): number {
  return reg.db.prepare<[number, number], number>('SELECT COUNT(*) FROM rejections WHERE at < ? OR id <= ?').pluck().get(...limits(reg, bounds, now))!;
}
