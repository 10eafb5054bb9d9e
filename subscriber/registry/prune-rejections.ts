import type Database from 'better-sqlite3';

export interface RejectionBounds {
  /** rows kept at most, newest first */
  keepMax: number;
  /** rows older than this many days go */
  keepDays: number;
}

/**
 * Deleting refused messages beyond the bounds: any agent login can send
 * garbage, and each one is kept with up to 2 KiB of its bytes. The count of
 * each reason is kept apart (rejection_counts), so pruning loses no totals.
 */
export function createRejectionPruning(db: Database.Database, transaction: <T>(fn: () => T) => T) {
  /** The age cutoff, and the id at or below which rows fall outside the newest keepMax (0: none). */
  const limits = (bounds: RejectionBounds, now: number): [number, number] => {
    const cut =
      db
        .prepare<[number], number>('SELECT id FROM rejections ORDER BY id DESC LIMIT 1 OFFSET ?')
        .pluck()
        .get(bounds.keepMax) ?? 0;
    return [now - bounds.keepDays * 86_400_000, cut];
  };
  return {
    /** Deletes them; returns how many rows went. */
    pruneRejections(bounds: RejectionBounds, now = Date.now()): number {
      // A row stays while it is among the newest keepMax AND younger than keepDays.
      const [cutoff, cut] = limits(bounds, now);
      return transaction(() => db.prepare('DELETE FROM rejections WHERE at < ? OR id <= ?').run(cutoff, cut).changes);
    },
    /** How many rows pruneRejections would delete now (for `mam gc --dry-run`). */
    countPrunableRejections(bounds: RejectionBounds, now = Date.now()): number {
      return db
        .prepare<[number, number], number>('SELECT COUNT(*) FROM rejections WHERE at < ? OR id <= ?')
        .pluck()
        .get(...limits(bounds, now))!;
    },
  };
}
