import type { StepSpec, Workflow } from './workflow-types.js';

export interface StepProblem {
  /** index of the step in `steps`, for the line number */
  step?: number;
  field?: keyof StepSpec;
  message: string;
}

/**
 * What the schema cannot say about a workflow's steps: ids used twice, needs naming no step (or
 * the step itself), foreach over no list param, steps that wait for themselves through others,
 * and (given the known ones) agents with no adapter.
 */
export function checkSteps(wf: Workflow, agents?: readonly string[]): StepProblem[] {
  const problems: StepProblem[] = [];
  const known = (a: string) => agents === undefined || agents.includes(a);
  const list = agents?.join(', ');
  const index = new Map<string, number>();
  wf.steps.forEach((s, i) => {
    if (index.has(s.id)) problems.push({ step: i, field: 'id', message: `step id "${s.id}" is used twice` });
    else index.set(s.id, i);
  });
  const seen = new Set<string>();
  for (const p of wf.params ?? []) {
    if (seen.has(p.name)) problems.push({ message: `param "${p.name}" is declared twice` });
    seen.add(p.name);
  }
  const lists = new Set((wf.params ?? []).filter((p) => p.type === 'list').map((p) => p.name));
  wf.steps.forEach((s, i) => {
    for (const field of ['needs', 'needs_any'] as const) {
      for (const n of s[field] ?? []) {
        if (n === s.id) problems.push({ step: i, field, message: `step "${s.id}" needs itself` });
        else if (!index.has(n)) problems.push({ step: i, field, message: `step "${s.id}" needs "${n}", no such step` });
      }
    }
    if (s.agent && !known(s.agent))
      problems.push({
        step: i,
        field: 'agent',
        message: `step "${s.id}": unknown agent "${s.agent}" (known: ${list})`,
      });
    if (s.review && !known(s.review.agent))
      problems.push({
        step: i,
        field: 'review',
        message: `step "${s.id}": unknown review agent "${s.review.agent}" (known: ${list})`,
      });
    if (s.foreach !== undefined && !lists.has(s.foreach))
      problems.push({
        step: i,
        field: 'foreach',
        message: `step "${s.id}": foreach "${s.foreach}" is not a param of type list`,
      });
  });
  const cycle = findCycle(wf.steps, index);
  if (cycle) problems.push({ step: index.get(cycle[0]!), message: `steps wait for each other: ${cycle.join(' → ')}` });
  return problems;
}

/** One cycle of needs/needs_any (as step ids, first repeated at the end), or undefined. */
function findCycle(steps: StepSpec[], index: Map<string, number>): string[] | undefined {
  const state = new Map<string, 'open' | 'closed'>();
  const path: string[] = [];
  const visit = (id: string): string[] | undefined => {
    if (state.get(id) === 'closed') return undefined;
    if (state.get(id) === 'open') return [...path.slice(path.indexOf(id)), id];
    state.set(id, 'open');
    path.push(id);
    const s = steps[index.get(id)!]!;
    for (const n of [...(s.needs ?? []), ...(s.needs_any ?? [])]) {
      if (!index.has(n) || n === id) continue;
      const c = visit(n);
      if (c) return c;
    }
    path.pop();
    state.set(id, 'closed');
    return undefined;
  };
  for (const s of steps) {
    const c = visit(s.id);
    if (c) return c;
  }
  return undefined;
}
