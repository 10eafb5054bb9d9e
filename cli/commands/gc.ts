import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { rotatedLogFiles, sessionLogFile } from '../../agents/log-files.js';
import { outboxDir } from '../../broker/emitter/outbox.js';
import { loadContext } from '../../core/context.js';
import { OPERATOR_DIR } from '../../core/workspace.js';
import { ID_PATTERN } from '../../core/topics.js';
import { openRegistry, type Registry } from '../../subscriber/registry/registry.js';
import { isTerminal } from '../../subscriber/state-machine.js';
import { diskBytes, removeWorktree, worktreeCandidates } from '../../subscriber/worktrees.js';
import { parseDuration, parseFlags, usage } from '../args.js';
import type { Io } from '../io.js';
import { openRegistryReadOnly } from '../open-registry.js';

interface Item {
  kind: 'worktree' | 'rotated-log' | 'expired-outbox' | 'rejected-outbox';
  job: string;
  path: string;
  bytes: number;
  why: string;
  freed: boolean;
  /** set when the item was kept: why it could not be removed */
  kept?: string;
}

function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

function listDir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** Rotated logs and expired outbox entries of jobs that have ended (or are gone from the registry). */
function fileItems(jobsDir: string, reg: Registry, keep: number): Item[] {
  const live = reg.liveSessionJobs();
  const items: Item[] = [];
  for (const job of listDir(jobsDir).filter((j) => ID_PATTERN.test(j))) {
    const dir = join(jobsDir, job);
    const state = reg.getJob(job)?.state;
    const ended = state === undefined || isTerminal(state) || state === 'lost';
    if (ended && !live.has(job)) {
      for (const file of rotatedLogFiles(sessionLogFile(dir), Math.max(keep, 20))) {
        items.push({
          kind: 'rotated-log',
          job,
          path: file,
          bytes: sizeOf(file),
          why: state ? `job ${state}` : 'no such job',
          freed: false,
        });
      }
    }
    // The agent's outbox and the operator's (workspace.operatorDir) alike.
    for (const box of [dir, join(dir, OPERATOR_DIR)].map(outboxDir)) {
      // The reconciler refused these, or refuses them by timestamp now: kept only for inspection.
      const expired = join(box, 'expired');
      for (const n of listDir(expired).filter((n) => n.endsWith('.json'))) {
        const file = join(expired, n);
        items.push({
          kind: 'expired-outbox',
          job,
          path: file,
          bytes: sizeOf(file),
          why: 'expired or refused outbox entry',
          freed: false,
        });
      }
      // Entries the sweep found unfit to send (outbox/rejected/, each with its .reason): never sent again.
      const rejected = join(box, 'rejected');
      for (const n of listDir(rejected)) {
        const file = join(rejected, n);
        items.push({
          kind: 'rejected-outbox',
          job,
          path: file,
          bytes: sizeOf(file),
          why: 'outbox entry that failed verification',
          freed: false,
        });
      }
    }
  }
  return items;
}

/**
 * Counts (--dry-run) or deletes rows of the registry with `count` or `prune`; the registry is
 * opened for writing only when there is one and something is to be deleted.
 */
function pruneRegistry(
  db: string,
  dryRun: boolean,
  count: (reg: Registry) => number,
  prune: (reg: Registry) => number,
): number {
  if (!existsSync(db)) return 0;
  const reg = openRegistry(db, { readonly: dryRun });
  try {
    return dryRun ? count(reg) : prune(reg);
  } finally {
    reg.close();
  }
}

function human(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let n = bytes;
  let i = 0;
  while (n >= 1024 && i < units.length - 1) (n /= 1024), i++;
  return `${i === 0 ? n : n.toFixed(1)} ${units[i]}`;
}

/**
 * Frees disk: worktrees of ended jobs (kept for inspection by the removal
 * policy) and of jobs the registry no longer has, rotated logs of ended jobs,
 * expired outbox entries. Never touches a job with a live session. Branches
 * stay, so the commits of a removed worktree survive.
 */
export async function run(argv: string[], io: Io): Promise<number> {
  const { values } = parseFlags(
    'gc',
    argv,
    { 'dry-run': { type: 'boolean' }, 'events-older-than': { type: 'string' }, json: { type: 'boolean' } },
    false,
  );
  const dryRun = Boolean(values['dry-run']);
  const ctx = loadContext(io.cwd, io.env);
  const eventsAge =
    values['events-older-than'] === undefined ? undefined : parseDuration('gc', values['events-older-than']);
  // Younger events could still be replayed within the timestamp window, and only their rows tell a replay from a late
  // first delivery.
  if (eventsAge !== undefined && eventsAge < ctx.cfg.events.maxAgeSeconds * 1000) {
    throw usage(
      'gc',
      `--events-older-than must be at least events.maxAgeSeconds (${ctx.cfg.events.maxAgeSeconds} s): younger events still guard against replays`,
    );
  }
  const reg = openRegistryReadOnly(io);
  let items: Item[];
  try {
    items = worktreeCandidates(ctx.ws, reg, ctx.cfg, 'gc').map((c) => ({
      kind: 'worktree' as const,
      job: c.job,
      path: c.path,
      bytes: diskBytes(c.path),
      why: c.why,
      freed: false,
    }));
    items.push(...fileItems(ctx.ws.jobsDir, reg, ctx.cfg.sessions.logKeep));
  } finally {
    reg.close();
  }
  if (!dryRun) {
    for (const it of items) {
      if (it.kind === 'worktree') {
        // Asked for explicitly (after --dry-run showed it): uncommitted changes go too.
        const r = await removeWorktree(it.path, { force: true });
        if (r.removed) it.freed = true;
        else it.kept = r.why;
      } else {
        rmSync(it.path, { force: true });
        it.freed = true;
      }
    }
  }
  const bounds = ctx.cfg.rejections;
  const rejections = pruneRegistry(
    ctx.ws.db,
    dryRun,
    (reg) => reg.countPrunableRejections(bounds),
    (reg) => reg.pruneRejections(bounds),
  );
  const before = Date.now() - (eventsAge ?? 0);
  const events =
    eventsAge === undefined
      ? 0
      : pruneRegistry(
          ctx.ws.db,
          dryRun,
          (reg) => reg.countPrunableEvents(before),
          (reg) => reg.pruneEvents(before),
        );
  const freedBytes = items.reduce((n, it) => n + (it.freed ? it.bytes : 0), 0);
  const reclaimable = items.reduce((n, it) => n + (it.kept ? 0 : it.bytes), 0);
  if (values.json) {
    io.out(
      JSON.stringify({
        dryRun,
        freedBytes,
        reclaimableBytes: reclaimable,
        items,
        rejectionsPruned: rejections,
        eventsPruned: events,
      }) + '\n',
    );
    return 0;
  }
  if (rejections > 0) {
    const bounds = `rejections.keepMax ${ctx.cfg.rejections.keepMax}, rejections.keepDays ${ctx.cfg.rejections.keepDays}`;
    io.out(
      `${dryRun ? 'would prune' : 'pruned'} ${rejections} refused message(s) beyond ${bounds} (counts per reason are kept)\n`,
    );
  }
  if (eventsAge !== undefined) {
    io.out(
      `${dryRun ? 'would delete' : 'deleted'} ${events} event(s) of jobs ended over ${values['events-older-than']} ago (each job's first and last kept)\n`,
    );
  }
  if (items.length === 0) {
    io.out('nothing to free\n');
    return 0;
  }
  for (const it of items) {
    const status = it.kept ? `kept: ${it.kept}` : dryRun ? 'would free' : 'freed';
    io.out(
      `${it.kind.padEnd(14)} ${human(it.bytes).padStart(10)}  ${status.padEnd(12)} ${it.job} (${it.why}) ${it.path}\n`,
    );
  }
  if (items.some((it) => it.kind === 'worktree' && !it.kept)) {
    io.out('the branches mam/<job> of removed worktrees are kept (`git branch -D mam/<job>` deletes one)\n');
  }
  io.out(
    dryRun ? `would free ${human(reclaimable)} (run without --dry-run to free it)\n` : `freed ${human(freedBytes)}\n`,
  );
  return 0;
}
