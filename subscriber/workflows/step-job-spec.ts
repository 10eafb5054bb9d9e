import { randomBytes } from 'node:crypto';
import { adapterFor } from '../../agents/adapters/index.js';
import type { TemplateScope } from '../../core/workflow/render-template.js';
import type { StepSpec } from '../../core/workflow/workflow-types.js';
import type { JobSpec } from '../launch-session.js';

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;

/**
 * A step's job, as a control.create body would give it: the step's policy fields (gate, retries,
 * priority, approval, timeout) become the job's, so the job policies run a step like any job.
 * The prompt and the command are the step's templates, filled in at the launch decision.
 */
export function stepJobSpec(
  s: StepSpec,
  scope: TemplateScope,
  workdir: string,
  render: (text: string, scope: TemplateScope) => string,
): JobSpec & { run: { id: string; step: string; item?: string } } {
  const spec: JobSpec & { run: { id: string; step: string; item?: string } } = {
    agent: s.agent,
    workdir,
    run: { id: scope.run, step: s.id, ...(scope.item !== undefined ? { item: scope.item } : {}) },
  };
  if (s.prompt !== undefined) {
    // {{brief}} is filled at the launch; a mark of this decision's own says where, so that a
    // "{{brief}}" in a predecessor's summary copied in here is never taken for it.
    const mark = randomBytes(8).toString('hex');
    spec.prompt = render(s.prompt, { ...scope, brief: `{{brief:${mark}}}` });
    if (spec.prompt.includes(`{{brief:${mark}}}`)) spec.briefMark = mark;
  }
  if (s.command) spec.command = s.command.map((c) => render(c, scope));
  if (s.expect) spec.expect = s.expect;
  if (s.worktree !== undefined) spec.worktree = s.worktree;
  if (s.backend) spec.backend = s.backend;
  if (s.gate) spec.gate = s.gate;
  if (s.retries !== undefined) spec.retries = s.retries;
  if (s.priority !== undefined) spec.priority = s.priority;
  if (s.approval) spec.approval = s.approval;
  // Its review's findings can go to its live session: its done waits in review for the reviewer (held-review.ts).
  if (s.review && adapterFor(s.agent).drive) spec.reviewHold = true;
  if (s.timeout) {
    const m = /^(\d+)(ms|s|m|h)$/.exec(s.timeout)!;
    spec.timeoutMs = Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS];
  }
  return spec;
}
