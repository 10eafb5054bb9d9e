import { isAbsolute, join } from 'node:path';
import { parseWorkflow } from '../../core/workflow/parse-workflow.js';
import { renderTemplate, type TemplateScope } from '../../core/workflow/render-template.js';
import type { ParamValues, StepSpec } from '../../core/workflow/workflow-types.js';
import type { Registry } from '../registry/registry.js';
import type { RunRow, RunStepRow } from '../registry/run-writes.js';
import { stepJobSpec } from './step-job-spec.js';

type ItemStatus = 'pending' | 'live' | 'done' | 'failed';

/** The job id of one launch of a step: deterministic, so the same decision can never make two jobs. */
export const stepJobId = (run: string, step: string, item: number, attempt: number) =>
  `${run}-${step}${item >= 0 ? `-${item}` : ''}-${attempt}`;

/** The items a step fans out over (-1 alone: no foreach), with the item's value. */
export function stepItems(s: StepSpec, params: ParamValues): Array<{ item: number; value?: string }> {
  if (s.foreach === undefined) return [{ item: -1 }];
  const list = params[s.foreach];
  return (Array.isArray(list) ? list : []).map((value, item) => ({ item, value }));
}

/** What one summary of a done job said (its latest applied job.done). */
export function doneSummary(reg: Registry, job: string): string | undefined {
  const done = reg
    .jobTimeline(job, 200)
    .filter((e) => e.type === 'job.done' && e.applied === 1)
    .at(-1);
  const s = (done?.body as { summary?: unknown } | null)?.summary;
  return typeof s === 'string' ? s : undefined;
}

/**
 * One decision of a run's reconciler, inside a transaction: from the committed states of the run's
 * step jobs, which launches are due now. Each is recorded (run_steps) and its job created in the
 * same transaction, under the id the decision determines: a decision taken again after a crash
 * finds the row and the job, and creates nothing twice. Returns the jobs it created.
 */
export function decideRun(reg: Registry, host: string, run: RunRow, now: number): string[] {
  const parsed = parseWorkflow(run.workflow);
  if (!parsed.ok) {
    reg.setRunState(run.id, 'failed', `the workflow no longer parses: ${parsed.problems[0]}`);
    return [];
  }
  const wf = parsed.workflow;
  const params = JSON.parse(run.params) as ParamValues;
  const latest = new Map<string, RunStepRow>();
  for (const r of reg.runSteps(run.id)) {
    const k = `${r.step}/${r.item}`;
    if ((latest.get(k)?.attempt ?? 0) < r.attempt) latest.set(k, r);
  }
  const itemStatus = (step: string, item: number): { status: ItemStatus; row?: RunStepRow } => {
    const row = latest.get(`${step}/${item}`);
    if (!row) return { status: 'pending' };
    const state = reg.getJob(row.job)?.state;
    if (state === 'done') return { status: 'done', row };
    if (state === 'failed' || state === 'cancelled' || state === 'timeout') {
      // Failed before the run was (re)started: a resume gives it a new attempt.
      return { status: row.decided_at < run.updated_at ? 'pending' : 'failed', row };
    }
    return { status: 'live', row };
  };
  const stepStatus = new Map<string, ItemStatus>();
  let live = false;
  for (const s of wf.steps) {
    const st = stepItems(s, params).map((i) => itemStatus(s.id, i.item).status);
    if (st.includes('live')) live = true;
    stepStatus.set(
      s.id,
      st.every((x) => x === 'done')
        ? 'done'
        : st.includes('failed')
          ? 'failed'
          : st.some((x) => x !== 'pending')
            ? 'live'
            : 'pending',
    );
  }
  const created: string[] = [];
  const scope = (): TemplateScope => ({
    run: run.id,
    params,
    steps: Object.fromEntries(
      wf.steps.map((s) => {
        const jobs = stepItems(s, params)
          .map((i) => latest.get(`${s.id}/${i.item}`)?.job)
          .filter((j): j is string => !!j);
        const summary = jobs
          .map((j) => doneSummary(reg, j))
          .filter(Boolean)
          .join('\n');
        return [s.id, { summary, job: jobs.join(','), branch: jobs.map((j) => `mam/${j}`).join(',') }];
      }),
    ),
  });
  let shared: TemplateScope | undefined;
  for (const s of wf.steps) {
    const status = stepStatus.get(s.id)!;
    if (status === 'done' || status === 'failed') continue;
    const ready =
      (s.needs ?? []).every((n) => stepStatus.get(n) === 'done') &&
      (!s.needs_any?.length || s.needs_any.some((n) => stepStatus.get(n) === 'done'));
    if (!ready) continue;
    for (const { item, value } of stepItems(s, params)) {
      const { status: st, row } = itemStatus(s.id, item);
      if (st !== 'pending') continue;
      const attempt = (row?.attempt ?? 0) + 1;
      const job = stepJobId(run.id, s.id, item, attempt);
      if (reg.getJob(job)) {
        reg.setRunState(run.id, 'failed', `job id ${job} is taken by a job this run did not create`);
        return created;
      }
      shared ??= scope();
      const workdir = s.workdir ? (isAbsolute(s.workdir) ? s.workdir : join(run.workdir, s.workdir)) : run.workdir;
      const spec = stepJobSpec(s, { ...shared, item: value }, workdir, renderTemplate);
      // Handoff: the predecessors' branches (the done ones, in the order the step names them).
      const preds = [...(s.needs ?? []), ...(s.needs_any ?? []).filter((n) => stepStatus.get(n) === 'done')];
      const from = preds.flatMap((n) => shared!.steps[n]?.branch?.split(',').filter(Boolean) ?? []);
      if (from.length && s.worktree !== false) spec.from = from;
      reg.recordRunStep({ run: run.id, step: s.id, item, attempt, job, decided_at: now });
      reg.createJob({
        id: job,
        state: 'queued',
        host,
        agent: s.agent,
        workdir,
        spec,
        bornTs: now,
        priority: s.priority,
      });
      created.push(job);
      live = true;
    }
  }
  if ([...stepStatus.values()].every((x) => x === 'done')) reg.setRunState(run.id, 'done', null);
  else if (!live) {
    const failed = wf.steps.filter((s) => stepStatus.get(s.id) === 'failed').map((s) => s.id);
    reg.setRunState(run.id, 'failed', `step${failed.length === 1 ? '' : 's'} ${failed.join(', ')} failed`);
  }
  return created;
}
