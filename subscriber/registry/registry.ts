import Database from 'better-sqlite3';
import { MamError } from '../../core/errors.js';
import { type JobState, nextState, type Transition } from '../state-machine.js';
import { migrate, SCHEMA_VERSION } from './migrations.js';
import { policyWrites } from './policy-writes.js';
import { makePrivate } from './private-files.js';
import { createEventPruning } from './prune-events.js';
import { createRejectionPruning } from './prune-rejections.js';
import { createQueries } from './queries.js';
import { createEscalationQueries } from './escalation-queries.js';
import { createDashboardQueries } from './dashboard-queries.js';
import { createNotifyQueries } from './notify-queries.js';
import { createHostStatusQueries } from './host-status-queries.js';
import { createQueueQueries } from './queue-queries.js';
import { createRetryQueries } from './retry-queries.js';
import { createScheduleWrites } from './schedule-writes.js';
import { createRunWrites } from './run-writes.js';
import { createJobRestore } from './restore-job.js';
import { createLogWrites } from './log-writes.js';
import { prepareStatements } from './statements.js';
import { createWalSync } from './wal-sync.js';
import { createWriterCache } from './writer-cache.js';
import type { EventRow, JobRow } from './rows.js';

export type { EventRow, JobRow, RejectionRow, SessionRow } from './rows.js';
export type { HostStatusRow } from './host-status-queries.js';

export { REJECTION_RAW_MAX } from './log-writes.js';

/**
 * The SQLite job registry (.mam/mam.db), in WAL mode. A commit survives a
 * crash of the process at once, and a crash of the machine once synced()
 * has resolved for it: the reconciler acknowledges nothing before. Only the
 * host's reconciler writes; CLI readers open it read-only and never block it.
 * Everything goes through its methods: the writer's own reads and writes here,
 * named queries (queries.ts), pruning and restoring in the files beside it.
 * The database connection never leaves this folder.
 */
export function openRegistry(path: string, opts: { readonly?: boolean } = {}) {
  let db: Database.Database;
  try {
    if (!opts.readonly) makePrivate(path);
    db = new Database(path, { readonly: opts.readonly ?? false, fileMustExist: opts.readonly ?? false });
  } catch (err) {
    throw new MamError('REGISTRY_MISSING', `cannot open the job registry ${path}: ${(err as Error).message}`, {
      hint: 'the registry is created by the reconciler: start it with `mam up`',
      cause: err,
    });
  }
  db.pragma('busy_timeout = 5000');
  if (opts.readonly && (db.pragma('user_version', { simple: true }) as number) < SCHEMA_VERSION) {
    // A registry an earlier mam wrote, read before any reconciler of this version opened it:
    // upgraded now, as that reconciler would at its start, instead of failing on a missing column.
    db.close();
    openRegistry(path).close();
    return openRegistry(path, opts);
  }
  if (!opts.readonly) {
    db.pragma('journal_mode = WAL');
    // NORMAL: a commit is written to the WAL but not synced; synced() syncs it off the event loop
    // (group commit), and the reconciler acknowledges nothing before that.
    db.pragma('synchronous = NORMAL');
    migrate(db);
  }
  const q = prepareStatements(db);

  // One wrapper for every call: better-sqlite3 builds four functions per db.transaction(),
  // which cost more than the SAVEPOINT itself when every message runs in its own.
  const inTransaction = db.transaction((fn: () => unknown) => fn());
  // Changes only when another connection commits (never for this one's own commits).
  const dataVersion = db.prepare<[], number>('PRAGMA data_version').pluck();
  const cache = opts.readonly ? undefined : createWriterCache(q.getJob, q.getHwm, q.setHwm, () => dataVersion.get()!);
  const wal = opts.readonly ? undefined : createWalSync(`${path}-wal`);
  // Counts every write, so a caller can tell whether a failed step changed anything (see writes()).
  let writes = 0;
  const write =
    <A extends unknown[], R>(fn: (...args: A) => R) =>
    (...args: A): R => {
      writes++;
      return fn(...args);
    };
  const updateJob = write((id: string, state: JobState, reason: string | null, gen: number, eventAt?: number) => {
    cache?.jobChanged(id);
    q.updateJob.run({ id, state, reason, gen, now: Date.now(), eventAt: eventAt ?? null });
  });

  const reg = {
    ...policyWrites(db, write, (id) => cache?.jobChanged(id)),
    /**
     * Runs fn in a transaction, or in a savepoint when one is already open (nested: rolled back alone).
     * High-water marks set inside are written when the outermost transaction commits.
     */
    transaction<T>(fn: () => T): T {
      if (!cache) return inTransaction(fn) as T;
      const outermost = cache.begin();
      try {
        // IMMEDIATE: the write lock from BEGIN on, so no other writer commits while the cache is trusted.
        const result = (outermost ? inTransaction.immediate(() => cache.beforeCommit(fn)) : inTransaction(fn)) as T;
        cache.end(true);
        return result;
      } catch (err) {
        cache.end(false);
        throw err;
      }
    },
    /** How many writes this registry has made: equal before and after a step that threw means it changed nothing. */
    writes: () => writes,
    /** Resolves once every write committed so far is on disk (rejects if syncing failed). */
    synced: (): Promise<void> => (wal ? wal.synced(writes) : Promise.resolve()),
    getJob: (id: string) => (cache ? cache.job(id) : q.getJob.get(id)),
    createJob: write(
      (j: {
        id: string;
        state: JobState;
        host: string;
        agent?: string;
        workdir?: string;
        spec?: object;
        gen?: number;
        reason?: string;
        bornTs?: number;
        priority?: number;
      }) => {
        cache?.jobChanged(j.id);
        q.insertJob.run({
          id: j.id,
          state: j.state,
          reason: j.reason ?? null,
          gen: j.gen ?? 0,
          host: j.host,
          agent: j.agent ?? null,
          workdir: j.workdir ?? null,
          spec: JSON.stringify(j.spec ?? {}),
          now: Date.now(),
          bornTs: j.bornTs ?? null,
          priority: j.priority ?? 5,
        });
      },
    ),
    /**
     * Moves a job through the state table (state-machine.ts): the one way this host changes a job's state.
     * Returns the new state, or null (nothing written) when `input` is illegal in the job's state.
     * `gen` opens a new generation (launch, resume); `eventAt` is the time of the event that caused it.
     */
    transitionJob(
      row: JobRow,
      input: Transition,
      reason: string | null,
      opts: { gen?: number; eventAt?: number } = {},
    ): JobState | null {
      const to = nextState(row.state, input);
      if (to) updateJob(row.id, to, reason, opts.gen ?? row.gen, opts.eventAt);
      return to;
    },
    /** Changes only the job's reason (a stall report, a failed launch the table has no move for). */
    setJobReason: (row: JobRow, reason: string | null) => updateJob(row.id, row.state, reason, row.gen),
    /** Copies the state the owning host published for its job; that host's table decided it. */
    mirrorJob: (id: string, state: JobState, reason: string | null, gen: number) => updateJob(id, state, reason, gen),
    /** Writes a job's row as given, outside the state table: for tests that set up a state. */
    updateJob,
    touchJob: write((id: string, eventAt: number) => {
      q.touchJob.run({ id, eventAt });
      cache?.jobTouched(id, eventAt);
    }),
    hwm: (job: string, sender: string) => (cache ? cache.hwm(job, sender) : (q.getHwm.get(job, sender)?.seq ?? 0)),
    setHwm: write((job: string, sender: string, seq: number) => {
      if (cache) cache.setHwm(job, sender, seq);
      else q.setHwm.run(job, sender, seq);
    }),
    hwmOf: (job: string) => (cache ? cache.marksOf(job, q.hwmOf.all(job)) : q.hwmOf.all(job)),
    hasEvent: (job: string, sender: string, seq: number) => q.hasEvent.get(job, sender, seq) !== undefined,
    /** Whether the event (job, sender, seq) was applied; undefined when the log has no such event. */
    eventApplied: (job: string, sender: string, seq: number): boolean | undefined => {
      const a = q.eventApplied.get(job, sender, seq);
      return a === undefined ? undefined : a === 1;
    },
    /** The reason code the latest refusal of this verified (job, sender, seq) was recorded with, if any. */
    refusalOf: (job: string, sender: string, seq: number): string | undefined => q.refusalOf.get(job, sender, seq),
    insertEvent: write((e: EventRow) => {
      q.insertEvent.run(
        e.job,
        e.sender,
        e.seq,
        e.gen,
        e.type,
        e.ts,
        e.received_at,
        e.kid,
        e.applied,
        e.state_after,
        e.raw,
      );
    }),
    ...createLogWrites(q, write),
    ...createScheduleWrites(db, write),
    ...createRunWrites(db, write),
    /** False once closed. */
    isOpen: () => db.open,
    /** How this connection commits: journal mode, and synchronous (1 = NORMAL: synced() syncs the WAL). */
    durability: () => ({
      journalMode: db.pragma('journal_mode', { simple: true }) as string,
      synchronous: db.pragma('synchronous', { simple: true }) as number,
    }),
    close() {
      wal?.close();
      db.close();
    },
  };
  return {
    ...reg,
    ...createQueries(db),
    ...createQueueQueries(db),
    ...createRetryQueries(db),
    ...createEscalationQueries(db),
    ...createDashboardQueries(db),
    ...createNotifyQueries(db),
    ...createHostStatusQueries(db),
    ...createEventPruning(db, reg.transaction),
    ...createRejectionPruning(db, reg.transaction),
    restoreJob: write(createJobRestore(db, reg, (id) => cache?.jobChanged(id))),
  };
}

export type Registry = ReturnType<typeof openRegistry>;
