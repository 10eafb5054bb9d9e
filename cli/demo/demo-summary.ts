import type { Registry } from '../../subscriber/registry/registry.js';

export interface SummaryRow {
  step: string;
  attempt: number;
  job: string;
  state: string;
  verdict: string;
  seconds: number | null;
  ended: boolean;
}

/** Each launch of the run, in order: its step (and item), attempt or round, state, verdict, session time. */
export function summarize(reg: Registry, run: string, items: Record<number, string>): SummaryRow[] {
  return reg.runSteps(run).map((r) => {
    const job = reg.getJob(r.job);
    const s = job && reg.getSession(r.job, job.gen);
    const item = r.item >= 0 ? `[${items[r.item] ?? r.item}]` : '';
    return {
      step: `${r.step}${item}`,
      attempt: r.attempt,
      job: r.job,
      state: job?.state ?? 'unknown',
      verdict: reg.listVerdicts(r.job).at(-1)?.verdict ?? '',
      seconds: s?.ended_at ? (s.ended_at - s.started_at) / 1000 : null,
      ended: !s || s.ended_at !== null,
    };
  });
}

/** The rows as a table for the terminal. */
export function summaryTable(rows: SummaryRow[]): string {
  const head = ['step', 'attempt', 'job', 'state', 'verdict', 'duration'];
  const cells = rows.map((r) => [
    r.step,
    String(r.attempt),
    r.job,
    r.state,
    r.verdict,
    r.seconds === null ? '' : `${r.seconds.toFixed(1)} s`,
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) => `  ${c.map((x, i) => x.padEnd(widths[i]!)).join('  ')}`.trimEnd();
  return [line(head), ...cells.map(line)].join('\n');
}
