import type { Brief, BriefFinding } from '../../core/workflow/brief.js';
import { parseWorkflow } from '../../core/workflow/parse-workflow.js';
import type { ParamValues } from '../../core/workflow/workflow-types.js';
import type { Registry } from '../registry/registry.js';
import type { RunStepRow } from '../registry/run-writes.js';
import { stepItems } from './decide-steps.js';
import { reviewJobId } from './review-round.js';

/** How many of the job's latest events a brief shows. */
const LAST_EVENTS = 12;

/**
 * A job's briefing from committed rows only: its spec, its run's params and step, what the steps
 * it needs left (summaries, branches, artifacts), its last events, the latest review findings,
 * the gate failures of the current round and an open block. Undefined for a job the registry
 * does not have. `branchOf` says a job's worktree branch, when it has one.
 */
export function buildBrief(
  reg: Registry,
  id: string,
  branchOf: (job: string) => string | undefined = () => undefined,
): Brief | undefined {
  const row = reg.getJob(id);
  if (!row) return undefined;
  const spec = safeJson(row.spec) as { prompt?: string; gate?: string };
  const timeline = reg.jobTimeline(id, 500).filter((e) => e.applied === 1);
  const brief: Brief = {
    job: {
      id,
      state: row.state,
      reason: row.reason,
      agent: row.agent,
      host: row.host,
      workdir: row.workdir,
      ...(typeof spec.prompt === 'string' ? { prompt: spec.prompt } : {}),
      ...(typeof spec.gate === 'string' ? { gate: spec.gate } : {}),
      ...optional('branch', branchOf(id)),
    },
    predecessors: [],
    events: timeline
      .slice(-LAST_EVENTS)
      .map((e) => ({ type: e.type, sender: e.sender, ts: e.ts, state_after: e.state_after })),
    gateFailures: gateFailures(reg, id),
    blockers: [],
  };
  const verdict = reg.listVerdicts(id).at(-1);
  if (verdict) brief.verdict = { verdict: verdict.verdict, findings: verdict.findings as BriefFinding[] };
  if (row.state === 'blocked') {
    const why = (timeline.filter((e) => e.type === 'job.blocked').at(-1)?.body as { reason?: string } | null)?.reason;
    brief.blockers.push(why ?? row.reason ?? 'blocked');
  }
  const step = reg.runStepOfJob(id);
  if (step) {
    addRun(reg, brief, step, branchOf);
    brief.verdict ??= previousReview(reg, step);
  }
  return brief;
}

function addRun(reg: Registry, brief: Brief, step: RunStepRow, branchOf: (job: string) => string | undefined) {
  const run = reg.getRun(step.run);
  if (!run) return;
  const params = safeJson(run.params) as ParamValues;
  const parsed = parseWorkflow(run.workflow);
  const spec = parsed.ok ? parsed.workflow.steps.find((s) => s.id === step.step) : undefined;
  const item = spec && step.item >= 0 ? stepItems(spec, params)[step.item]?.value : undefined;
  brief.run = {
    id: run.id,
    state: run.state,
    params,
    step: step.step,
    ...optional('item', item),
    attempt: step.attempt,
    ...(spec ? { spec: spec as unknown as Record<string, unknown> } : {}),
  };
  if (!spec) return;
  // The latest attempt of each item of each step this one needs.
  const latest = new Map<string, RunStepRow>();
  for (const r of reg.runSteps(run.id)) {
    const k = `${r.step}/${r.item}`;
    if ((latest.get(k)?.attempt ?? 0) < r.attempt) latest.set(k, r);
  }
  for (const need of [...(spec.needs ?? []), ...(spec.needs_any ?? [])]) {
    for (const r of [...latest.values()].filter((x) => x.step === need).sort((a, b) => a.item - b.item)) {
      const job = reg.getJob(r.job);
      const done = reg
        .jobTimeline(r.job, 200)
        .filter((e) => e.type === 'job.done' && e.applied === 1)
        .at(-1)?.body as { summary?: string; artifacts?: string[] } | undefined;
      brief.predecessors.push({
        step: need,
        job: r.job,
        state: job?.state ?? 'unknown',
        ...optional('summary', done?.summary),
        ...optional('branch', branchOf(r.job)),
        ...(done?.artifacts?.length ? { artifacts: done.artifacts } : {}),
      });
    }
  }
}

/** A rework round's reason: the verdict of the review of the step's attempt before this one. */
function previousReview(reg: Registry, step: RunStepRow): Brief['verdict'] {
  if (step.attempt < 2) return undefined;
  const before = reg
    .runSteps(step.run)
    .find((r) => r.step === step.step && r.item === step.item && r.attempt === step.attempt - 1);
  const v = before && reg.listVerdicts(reviewJobId(before.job)).at(-1);
  return v ? { verdict: v.verdict, findings: v.findings as BriefFinding[] } : undefined;
}

/** The failed gate checks of the current round (since the last pass), at most the last five. */
function gateFailures(reg: Registry, id: string): Brief['gateFailures'] {
  const n = Math.min(reg.gateFailuresInRound(id), 5);
  if (n === 0) return [];
  return reg
    .checksOf(id)
    .filter((c) => c.result === 'failed')
    .slice(-n)
    .map((c) => ({ n: c.n, command: c.command, exit_code: c.exit_code, detail: c.detail }));
}

const optional = <K extends string, V>(k: K, v: V | undefined) => (v === undefined ? {} : ({ [k]: v } as Record<K, V>));

function safeJson(s: string): Record<string, unknown> {
  try {
    const v = JSON.parse(s) as unknown;
    return v && typeof v === 'object' ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
