import type Database from 'better-sqlite3';
import type { JobRow } from './rows.js';

type Undo = Array<[key: string, previous: number | undefined]>;

const keyOf = (job: string, sender: string) => job + '\0' + sender;

/**
 * What the registry's one writer reads for every message — the job row and
 * the sender's high-water mark — kept in memory. Only the host's reconciler
 * writes the registry; should another connection commit all the same,
 * SQLite's data_version shows it and the cache is emptied. Marks set inside
 * a transaction are written once per (job, sender) just before the outermost
 * commit instead of once per message; a savepoint rolled back takes its
 * marks back with it, and a failed transaction drops the whole cache (the
 * next reads come from what was really committed).
 */
export function createWriterCache(
  getJob: Database.Statement<[string], JobRow>,
  getHwm: Database.Statement<[string, string], { seq: number }>,
  setHwm: Database.Statement,
  dataVersion: () => number,
) {
  const jobs = new Map<string, JobRow>();
  const marks = new Map<string, number>();
  /** marks to write at commit: key → its job and sender */
  const dirty = new Map<string, [job: string, sender: string]>();
  const undo: Undo[] = [];
  let version: number | undefined;

  function forget() {
    jobs.clear();
    marks.clear();
    dirty.clear();
  }

  // Another connection committed since this one last looked (a second reconciler started by
  // mistake on the same workspace, a repair by hand): what was kept is read again.
  // Called outside transactions and at their start, where no mark is waiting to be written.
  function refresh() {
    const now = dataVersion();
    if (version !== undefined && now !== version) forget();
    version = now;
  }

  function writeMarks() {
    for (const [key, [job, sender]] of dirty) {
      const seq = marks.get(key);
      if (seq !== undefined) setHwm.run(job, sender, seq);
    }
    dirty.clear();
  }

  return {
    job(id: string): JobRow | undefined {
      // Inside a transaction the check was made at its start; outside, each read makes it.
      if (undo.length === 0) refresh();
      let row = jobs.get(id);
      if (!row) {
        row = getJob.get(id);
        // Frozen: every caller shares the object, none may change it in place.
        if (row) jobs.set(id, Object.freeze(row));
      }
      return row;
    },
    jobChanged(id: string) {
      jobs.delete(id);
    },
    /** The row as `UPDATE jobs SET last_event_at` left it: the one column changed, no read needed. */
    jobTouched(id: string, eventAt: number) {
      const row = jobs.get(id);
      if (row) jobs.set(id, Object.freeze({ ...row, last_event_at: eventAt }));
    },
    hwm(job: string, sender: string): number {
      if (undo.length === 0) refresh();
      const key = keyOf(job, sender);
      let seq = marks.get(key);
      if (seq === undefined) {
        seq = getHwm.get(job, sender)?.seq ?? 0;
        marks.set(key, seq);
      }
      return seq;
    },
    setHwm(job: string, sender: string, seq: number) {
      const key = keyOf(job, sender);
      if (undo.length === 0) {
        // Outside any transaction: written at once, as the caller expects.
        setHwm.run(job, sender, seq);
        marks.set(key, seq);
        return;
      }
      undo[undo.length - 1].push([key, marks.get(key)]);
      marks.set(key, seq);
      dirty.set(key, [job, sender]);
    },
    /** The marks of a job as the registry will hold them at commit: stored rows with pending ones over them. */
    marksOf(job: string, stored: Array<{ sender: string; seq: number }>): Array<{ sender: string; seq: number }> {
      const out = new Map(stored.map((r) => [r.sender, r.seq]));
      for (const [key, [markJob, sender]] of dirty) {
        if (markJob === job) out.set(sender, marks.get(key)!);
      }
      return [...out].map(([sender, seq]) => ({ sender, seq }));
    },
    /** Opens a transaction level; true for the outermost. */
    begin(): boolean {
      undo.push([]);
      return undo.length === 1;
    },
    /**
     * Runs the outermost transaction's work, then writes its marks inside it. The transaction holds
     * the write lock from its start, so what is checked fresh here stays so until its commit.
     */
    beforeCommit<T>(fn: () => T): T {
      refresh();
      const result = fn();
      writeMarks();
      return result;
    },
    /** Closes a transaction level: committed (its undo joins the parent's) or rolled back. */
    end(committed: boolean) {
      const log = undo.pop()!;
      if (committed) {
        undo[undo.length - 1]?.push(...log);
        return;
      }
      if (undo.length === 0) return forget();
      // A savepoint rolled back: its marks return to what they were; job rows it changed are read again.
      for (let i = log.length - 1; i >= 0; i--) {
        const [key, previous] = log[i];
        if (previous === undefined) marks.delete(key);
        else marks.set(key, previous);
      }
      jobs.clear();
    },
  };
}
