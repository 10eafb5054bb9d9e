/**
 * A job's briefing (`mam brief`, `{{brief}}`): the one answer that gives an agent its context.
 * Built by subscriber/workflows/job-brief.ts from the registry; rendered here as text.
 */
/** A review finding, as schemas/events/review.verdict.json has it. */
export type BriefFinding = Record<string, unknown>;

export interface Brief {
  job: {
    id: string;
    state: string;
    reason: string | null;
    agent: string | null;
    host: string;
    workdir: string | null;
    prompt?: string;
    gate?: string;
    branch?: string;
  };
  run?: {
    id: string;
    state: string;
    params: Record<string, unknown>;
    step: string;
    item?: string;
    attempt: number;
    /** the step as the workflow file declares it */
    spec?: Record<string, unknown>;
  };
  predecessors: Array<{
    step: string;
    job: string;
    state: string;
    summary?: string;
    branch?: string;
    artifacts?: string[];
  }>;
  events: Array<{ type: string; sender: string; ts: number; state_after: string | null }>;
  /** the job's own latest verdict, or for a rework round the review of the attempt before */
  verdict?: { verdict: string; findings: BriefFinding[] };
  gateFailures: Array<{ n: number; command: string | null; exit_code: number | null; detail: string | null }>;
  blockers: string[];
}

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');

/** The brief as plain text for a person or a prompt: sections only when they have something to say. */
export function briefText(b: Brief): string {
  const out: string[] = [];
  const j = b.job;
  out.push(`Job ${j.id} (${j.agent ?? 'agent?'} on ${j.host}): ${j.state}${j.reason ? ` (${j.reason})` : ''}`);
  if (j.workdir) out.push(`Workdir: ${j.workdir}${j.branch ? ` on branch ${j.branch}` : ''}`);
  if (b.run) {
    const r = b.run;
    out.push(
      `Run ${r.id} (${r.state}), step ${r.step}${r.item !== undefined ? ` item ${r.item}` : ''}, attempt ${r.attempt}`,
    );
    const params = Object.entries(r.params);
    if (params.length)
      out.push(
        `Params:\n${params.map(([k, v]) => `  ${k} = ${Array.isArray(v) ? v.join(',') : String(v)}`).join('\n')}`,
      );
  }
  if (j.gate) out.push(`Gate: ${j.gate}`);
  if (b.predecessors.length) {
    out.push('Before this step:');
    for (const p of b.predecessors) {
      out.push(`  ${p.step} (${p.job}): ${p.state}${p.branch ? `, branch ${p.branch}` : ''}`);
      if (p.summary) out.push(...p.summary.split('\n').map((l) => `    ${l}`));
      if (p.artifacts?.length) out.push(`    artifacts: ${p.artifacts.join(', ')}`);
    }
  }
  if (b.verdict) {
    out.push(`Review verdict: ${b.verdict.verdict}`);
    for (const f of b.verdict.findings) {
      const where = f.file ? ` (${String(f.file)}${f.line !== undefined ? `:${String(f.line)}` : ''})` : '';
      out.push(`  - [${String(f.severity ?? 'finding')}] ${String(f.message ?? f.title ?? '')}${where}`);
    }
  }
  for (const g of b.gateFailures)
    out.push(
      `Gate check ${g.n} failed${g.exit_code !== null ? ` (exit ${g.exit_code})` : ''}: ${g.detail ?? g.command ?? ''}`,
    );
  for (const r of b.blockers) out.push(`Blocked: ${r}`);
  if (b.events.length) {
    out.push('Last events:');
    for (const e of b.events)
      out.push(`  ${iso(e.ts)} ${e.type} from ${e.sender}${e.state_after ? ` → ${e.state_after}` : ''}`);
  }
  return `${out.join('\n')}\n`;
}
