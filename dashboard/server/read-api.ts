import { execa } from 'execa';
import { fileSize, readRange, sessionLogFile } from '../../agents/log-files.js';
import type { Context } from '../../core/context.js';
import type { Registry } from '../../subscriber/registry/registry.js';
import { queuePositions } from '../../subscriber/scheduler/queue-position.js';
import { isWaiting } from '../../subscriber/scheduler/scheduler.js';

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
    /** The session log from byte `from` (the last 64 KiB when not given): the page appends it. */
    output(id: string, from?: number) {
      const file = sessionLogFile(ctx.ws.jobDir(id));
      const size = fileSize(file);
      const start = from === undefined || from > size ? Math.max(0, size - OUTPUT_TAIL) : from;
      const bytes = readRange(file, start, size, OUTPUT_TAIL);
      return { from: start, to: start + bytes.length, text: bytes.toString('utf8') };
    },
    /** The job's changes against the commit its worktree started from (committed or not). */
    async diff(id: string) {
      const sessions = reg().jobSessions(id);
      const s = sessions.find((x) => x.git_base && x.workdir) ?? undefined;
      if (!s?.git_base || !s.workdir) return { base: null, diff: '' };
      const r = await execa('git', ['-C', s.workdir, 'diff', '--no-color', '--no-ext-diff', s.git_base], {
        reject: false,
        timeout: 10_000,
        maxBuffer: DIFF_MAX * 4,
        stdin: 'ignore',
      });
      return { base: s.git_base, diff: String(r.stdout).slice(0, DIFF_MAX) };
    },
  };
}
