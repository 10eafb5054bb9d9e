import { isAbsolute, join } from 'node:path';
import type { Config } from '../../core/config.js';
import { parseWorkflow } from '../../core/workflow/parse-workflow.js';
import { renderTemplate, type TemplateScope } from '../../core/workflow/render-template.js';
import type { ParamValues, StepSpec } from '../../core/workflow/workflow-types.js';
import type { JobSpec } from '../launch-session.js';
import type { Registry } from '../registry/registry.js';
import type { RunRow, RunStepRow } from '../registry/run-writes.js';
import {
  type Finding,
  findingsText,
  followupJobId,
  isReviewOf,
  reviewerPrompt,
  reviewJobId,
  reviewKey,
  reviewOutcome,
  reworkPrompt,
} from './review-round.js';
import { tendBlocked } from './blocked-steps.js';
import { doneSummary, stepItems, stepJobId } from './step-items.js';
import { stepJobSpec } from './step-job-spec.js';
import { notCreatedThere } from './step-host.js';
import { jobOutcome, runEnd, type StepStatus } from './run-outcome.js';
import { decideHeld, type HeldActions, heldForReview } from './held-review.js';

export { doneSummary, stepItems, stepJobId } from './step-items.js';

/** What one decision did: the jobs it created, and what needs a person (review rounds exhausted). */
export interface Decision {
  created: string[];
  /** jobs whose escalation this decision committed, for the signed message that follows */
  escalations: string[];
  /** blocked jobs resumed (committed) whose new generation launches after the commit */
  resumes: Array<{ job: string; gen: number; prompt: string }>;
  /** held step jobs (held-review.ts): sessions to end, and findings to bring to live sessions */
  held: HeldActions;
  /** step jobs of other hosts not created there yet: their signed control.create goes after the commit */
  sends: Array<{ run: string; job: string; host: string; spec: JobSpec }>;
}

type ItemStatus = 'pending' | 'live' | 'done' | 'failed' | 'review' | 'rework' | 'exhausted';
interface ItemView {
  status: ItemStatus;
  row?: RunStepRow;
  review?: RunStepRow;
  findings?: Finding[];
  /** the reviewer due ('review'): its round and job id */
  next?: { round: number; job: string };
}

/**
 * One decision of a run's reconciler, inside a transaction: from the committed states of the run's
 * jobs, which launches are due now (a step whose needs are done, a review of a done attempt, a
 * rework round after NOT_PASS, follow-ups of findings). Each is recorded (run_steps) and its job
 * created in the same transaction, under the id the decision determines: a decision taken again
 * after a crash finds the row and the job, and creates nothing twice.
 */
export function decideRun(
  reg: Registry,
  host: string,
  run: RunRow,
  now: number,
  cfg: Config,
  place: (s: StepSpec) => string | undefined = () => host,
): Decision {
  const out: Decision = { created: [], escalations: [], resumes: [], held: { ends: [], prompts: [] }, sends: [] };
  const parsed = parseWorkflow(run.workflow);
  if (!parsed.ok) {
    reg.setRunState(run.id, 'failed', `the workflow no longer parses: ${parsed.problems[0]}`);
    return out;
  }
  const wf = parsed.workflow;
  const params = JSON.parse(run.params) as ParamValues;
  const latest = new Map<string, RunStepRow>();
  const reviews = new Map<string, RunStepRow[]>();
  for (const r of reg.runSteps(run.id)) {
    const k = `${r.step}/${r.item}`;
    if ((latest.get(k)?.attempt ?? 0) < r.attempt) latest.set(k, r);
    reviews.set(
      k,
      [...(reviews.get(k) ?? []), r].sort((a, b) => a.attempt - b.attempt),
    );
  }
  // Ended before the run was (re)started: a resume gives it another attempt.
  const beforeResume = (r: RunStepRow) => r.decided_at < run.updated_at;
  const view = (s: StepSpec, item: number): ItemView => {
    const row = latest.get(`${s.id}/${item}`);
    if (!row) return { status: 'pending' };
    const job = reg.getJob(row.job);
    const ended = job ? jobOutcome(job, cfg) : 'going';
    if (ended === 'ended') return { status: beforeResume(row) ? 'pending' : 'failed', row };
    if (!s.review) return { status: ended === 'done' ? 'done' : 'live', row };
    // The item's reviews, each a round; this job's are `<job>-rv`, `<job>-rv2` …
    const rounds = reviews.get(`${reviewKey(s.id)}/${item}`) ?? [];
    const mine = rounds.filter((r) => isReviewOf(r.job, row.job));
    const next = { round: (rounds.at(-1)?.attempt ?? 0) + 1, job: reviewJobId(row.job, mine.length + 1) };
    const maxRounds = s.review.maxRounds ?? 3;
    if (ended !== 'done') {
      if (!job || !heldForReview(reg, job, cfg)) return { status: 'live', row };
      const h = decideHeld(reg, job, mine.at(-1), (r) => reviewOutcome(reg, r, cfg), maxRounds, out.held, now);
      return h.status === 'review' ? { status: 'review', row, next } : { ...h, row };
    }
    const review = mine.at(-1);
    const o = reviewOutcome(reg, review, cfg);
    if (o.kind === 'none') return { status: 'review', row, next };
    if (o.kind === 'live') return { status: 'live', row, review };
    if (o.kind === 'failed') return { status: beforeResume(review!) ? 'pending' : 'failed', row, review };
    if (o.kind === 'pass') return { status: 'done', row, review, findings: o.findings };
    const exhausted = review!.attempt >= maxRounds && !beforeResume(review!);
    return { status: exhausted ? 'exhausted' : 'rework', row, review, findings: o.findings };
  };
  const views = new Map(wf.steps.map((s) => [s.id, stepItems(s, params).map((i) => ({ ...i, v: view(s, i.item) }))]));
  const stepStatus = new Map<string, StepStatus>();
  let live = false;
  for (const s of wf.steps) {
    const st = views.get(s.id)!.map((i) => i.v.status);
    if (st.some((x) => x === 'live' || x === 'review' || x === 'rework')) live = true;
    stepStatus.set(
      s.id,
      st.every((x) => x === 'done')
        ? 'done'
        : st.some((x) => x === 'failed' || x === 'exhausted')
          ? 'failed'
          : st.some((x) => x !== 'pending')
            ? 'live'
            : 'pending',
    );
  }
  let shared: TemplateScope | undefined;
  const scope = (): TemplateScope =>
    (shared ??= {
      run: run.id,
      params,
      steps: Object.fromEntries(
        wf.steps.map((s) => {
          const items = views.get(s.id)!;
          const jobs = items.map((i) => i.v.row?.job).filter((j): j is string => !!j);
          const summary = jobs
            .map((j) => doneSummary(reg, j))
            .filter(Boolean)
            .join('\n');
          const findings = findingsText(items.flatMap((i) => i.v.findings ?? []));
          return [s.id, { summary, job: jobs.join(','), branch: jobs.map((j) => `mam/${j}`).join(','), findings }];
        }),
      ),
    });
  const create = (key: string, item: number, attempt: number, job: string, spec: JobSpec, record = true, on = host) => {
    if (reg.getJob(job)) {
      if (!record) return true;
      reg.setRunState(run.id, 'failed', `job id ${job} is taken by a job this run did not create`);
      return false;
    }
    if (record) reg.recordRunStep({ run: run.id, step: key, item, attempt, job, decided_at: now });
    if (wf.remote) spec.remote = wf.remote;
    reg.createJob({
      id: job,
      state: 'queued',
      host: on,
      agent: spec.agent,
      workdir: spec.workdir,
      spec,
      bornTs: now,
      priority: spec.priority,
    });
    // Another host's job: recorded here like a create this host saw, sent to its host after the commit.
    if (on !== host) out.sends.push({ run: run.id, job, host: on, spec });
    else out.created.push(job);
    return true;
  };
  for (const s of wf.steps) {
    const status = stepStatus.get(s.id)!;
    const workdir = s.workdir ? (isAbsolute(s.workdir) ? s.workdir : join(run.workdir, s.workdir)) : run.workdir;
    for (const { v } of views.get(s.id)!) {
      const job = v.status === 'live' && s.on_blocked === 'spawn' ? reg.getJob(v.row!.job) : undefined;
      const act = job && tendBlocked(reg, job, now);
      if (act?.kind === 'resume') out.resumes.push(act);
      else if (act?.kind === 'spawn') {
        const blocker: JobSpec = { agent: s.agent, workdir, prompt: act.prompt };
        if (s.command) blocker.command = s.command.map((c) => renderTemplate(c, scope()));
        if (s.worktree !== false) blocker.from = [`mam/${v.row!.job}`];
        create('', -1, 0, act.job, blocker, false);
      }
      // Committed with the decision that failed the step: a crash before its message loses nothing.
      if (
        v.status === 'exhausted' &&
        reg.escalate({
          job: v.review!.job,
          host,
          kind: 'review-exhausted',
          reason: `the review of step ${s.id} of run ${run.id} did not pass in ${v.row!.attempt} rounds`,
          command: `mam run resume ${run.id}`,
        })
      )
        out.escalations.push(v.review!.job);
      // Each finding of a verdict its own job, waiting for the reviewed one (created once: its id says which).
      if (s.review?.followups === 'create' && v.findings?.length)
        v.findings.forEach((f, n) => {
          const follow: JobSpec = { agent: s.agent, workdir, prompt: findingsText([f]), after: [v.row!.job] };
          if (s.command) follow.command = s.command.map((c) => renderTemplate(c, scope()));
          if (s.worktree !== false) follow.from = [`mam/${v.row!.job}`];
          create('', -1, 0, followupJobId(v.row!.job, n + 1), follow, false);
        });
    }
    if (status === 'done' || status === 'failed') continue;
    const ready =
      (s.needs ?? []).every((n) => stepStatus.get(n) === 'done') &&
      (!s.needs_any?.length || s.needs_any.some((n) => stepStatus.get(n) === 'done'));
    for (const { item, value, v } of views.get(s.id)!) {
      const unsent = v.row && notCreatedThere(reg, host, v.row.job);
      if (unsent) out.sends.push({ run: run.id, ...unsent });
      const on = (v.status === 'pending' && ready) || v.status === 'rework' ? place(s) : host;
      if (!on) return (reg.setRunState(run.id, 'failed', `step ${s.id}: no host carries its labels`), out);
      const itemScope = { ...scope(), item: value };
      const spec = stepJobSpec(s, itemScope, workdir, renderTemplate);
      const attempt = (v.row?.attempt ?? 0) + 1;
      if (v.status === 'pending' && ready) {
        // Handoff: the predecessors' branches (the done ones, in the order the step names them).
        const preds = [...(s.needs ?? []), ...(s.needs_any ?? []).filter((n) => stepStatus.get(n) === 'done')];
        const from = preds.flatMap((n) => itemScope.steps[n]?.branch?.split(',').filter(Boolean) ?? []);
        if (from.length && s.worktree !== false) spec.from = from;
        if (!create(s.id, item, attempt, stepJobId(run.id, s.id, item, attempt), spec, true, on)) return out;
      } else if (v.status === 'rework') {
        // The next round starts from the last one's branch, with the findings as its prompt.
        const rework: JobSpec = { ...spec, prompt: reworkPrompt(v.findings!, spec.prompt) };
        if (s.worktree !== false) rework.from = [`mam/${v.row!.job}`];
        if (!create(s.id, item, attempt, stepJobId(run.id, s.id, item, attempt), rework, true, on)) return out;
      } else if (v.status === 'review') {
        const own = s.review!.prompt ? renderTemplate(s.review!.prompt, itemScope) : undefined;
        const reviewer: JobSpec = {
          agent: s.review!.agent,
          workdir,
          prompt: reviewerPrompt(own, v.row!.job, v.next!.round),
          ...(s.review!.command ? { command: s.review!.command.map((c) => renderTemplate(c, itemScope)) } : {}),
          ...(s.worktree === false ? {} : { from: [`mam/${v.row!.job}`] }),
        };
        if (!create(reviewKey(s.id), item, v.next!.round, v.next!.job, reviewer)) return out;
      }
    }
  }
  // Nothing of the run is going: it is done, or failed with the steps that failed and those that needed them.
  if (!live && out.created.length === 0 && out.sends.length === 0) {
    const end = runEnd(wf.steps, stepStatus);
    reg.setRunState(run.id, 'done' in end ? 'done' : 'failed', 'done' in end ? null : end.reason);
  }
  return out;
}
