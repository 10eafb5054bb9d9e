import { existsSync } from 'node:fs';
import { execa } from 'execa';
import { gateReport } from '../../cli/gate-report.js';
import { fileSize, readRange, sessionLogFile } from '../../agents/log-files.js';
import type { Context } from '../../core/context.js';
import type { Registry } from '../../subscriber/registry/registry.js';
import { queuePositions } from '../../subscriber/scheduler/queue-position.js';
import { isWaiting } from '../../subscriber/scheduler/scheduler.js';
import { readWorktreeMeta } from '../../subscriber/worktrees.js';

const OUTPUT_TAIL = 64 * 1024;
const DIFF_MAX = 512 * 1024;

/** What the board shows of a job: its row without the raw spec, and its place if it waits. */
function card(j: ReturnType<Registry['listJobs']>[number], position: Map<string, number>) {
  const { spec, ...row } = j;
  let prompt: string | undefined;
  try {
    const p = (JSON.parse(spec) as { prompt?: unknown }).prompt;
    if (typeof p === 'string') prompt = p.slice(0, 200);
  } catch {
    prompt = undefined;
  }
  return { ...row, prompt, queuePosition: position.get(j.id) ?? null };
}

/** The dashboard's reads, each over the registry opened read-only. */
export function createReadApi(ctx: Context, reg: () => Registry) {
  const agingMs = ctx.cfg.scheduler.agingSeconds * 1000;
  return {
    board(limit = 2000) {
      const r = reg();
      const jobs = r.listJobs({ limit });
      const waiting = jobs.filter(isWaiting);
      const position = waiting.length
        ? queuePositions(
            r,
            waiting.map((j) => j.host),
            agingMs,
          )
        : new Map<string, number>();
      return { host: ctx.cfg.host, counts: r.jobCounts(), jobs: jobs.map((j) => card(j, position)) };
    },
    job(id: string) {
      const r = reg();
      const row = r.getJob(id);
      if (!row) return undefined;
      return {
        job: { ...card(row, new Map()), spec: JSON.parse(row.spec) as unknown },
        timeline: r.jobTimeline(id, 500),
        verdicts: r.listVerdicts(id),
        gates: gateReport(r, ctx.ws.jobDir(id), id),
        sessions: r.jobSessions(id),
        attach: `mam job attach ${id}`,
      };
    },
    rejections(limit = 200) {
      const r = reg();
      return {
        counts: r.countRejections(),
        rows: r.listRejections({ limit }).map(({ raw, ...row }) => ({ ...row, size: raw?.length ?? 0 })),
      };
    },
    /**
     * The session log from byte `from` (the last 64 KiB when not given), as base64: the page hands
     * the bytes to the terminal, which joins a character split between two reads.
     */
    output(id: string, from?: number) {
      const file = sessionLogFile(ctx.ws.jobDir(id));
      const size = fileSize(file);
      const start = from === undefined || from > size ? Math.max(0, size - OUTPUT_TAIL) : from;
      const bytes = readRange(file, start, size, OUTPUT_TAIL);
      return { from: start, to: start + bytes.length, b64: bytes.toString('base64') };
    },
    /**
     * The job's changes against the commit its branch started from: in its worktree while it exists
     * (committed or not), else the branch mam/<job>, which outlives the worktree.
     */
    async diff(id: string) {
      const wt = readWorktreeMeta(ctx.ws, id);
      if (!wt) return { base: null, branch: null, diff: '' };
      const live = existsSync(wt.path);
      const args = live ? ['-C', wt.path, 'diff', wt.base] : ['-C', wt.repo, 'diff', wt.base, wt.branch];
      const r = await execa('git', [...args, '--no-color', '--no-ext-diff'], {
        reject: false,
        timeout: 10_000,
        maxBuffer: DIFF_MAX * 4,
        stdin: 'ignore',
      });
      return { base: wt.base, branch: wt.branch, diff: String(r.stdout).slice(0, DIFF_MAX) };
    },
  };
}
