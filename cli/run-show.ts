import { loadContext } from '../core/context.js';
import { MamError } from '../core/errors.js';
import { parseWorkflow } from '../core/workflow/parse-workflow.js';
import type { ParamValues } from '../core/workflow/workflow-types.js';
import { stepItems } from '../subscriber/workflows/decide-steps.js';
import { reviewKey } from '../subscriber/workflows/review-round.js';
import type { Registry } from '../subscriber/registry/registry.js';
import type { RunRow } from '../subscriber/registry/run-writes.js';
import { parseFlags, usage } from './args.js';
import type { Io } from './io.js';
import { readRegistryIfAny } from './open-registry.js';

interface ShownItem {
  item: number;
  value?: string;
  state: string;
  host: string | null;
  attempts: number;
  job: string | null;
  /** the latest review of this item (steps with `review`): its reviewer job, state and verdict */
  review?: { job: string; round: number; state: string; verdict: string | null };
}

interface ShownStep {
  id: string;
  agent: string;
  needs: string[];
  needs_any: string[];
  items: ShownItem[];
}

/** A run with each step's items: the state, host, attempts and job of each (pending: not launched yet). */
export function describeRun(reg: Registry, run: RunRow): { run: Omit<RunRow, 'workflow'>; steps: ShownStep[] } {
  const { workflow, ...rest } = run;
  const parsed = parseWorkflow(workflow);
  const launched = reg.runSteps(run.id);
  const params = JSON.parse(run.params) as ParamValues;
  const steps = parsed.ok
    ? parsed.workflow.steps.map((s) => ({
        id: s.id,
        agent: s.agent,
        needs: s.needs ?? [],
        needs_any: s.needs_any ?? [],
        items: stepItems(s, params).map(({ item, value }) => {
          const rows = launched.filter((r) => r.step === s.id && r.item === item);
          const last = rows.at(-1);
          const job = last ? reg.getJob(last.job) : undefined;
          const rv = launched.filter((r) => r.step === reviewKey(s.id) && r.item === item).at(-1);
          const review = rv && {
            job: rv.job,
            round: rv.attempt,
            state: reg.getJob(rv.job)?.state ?? 'pending',
            verdict: reg.listVerdicts(rv.job).at(-1)?.verdict ?? null,
          };
          return {
            item,
            ...(value !== undefined ? { value } : {}),
            state: job?.state ?? 'pending',
            host: job?.host ?? null,
            attempts: rows.length,
            job: last?.job ?? null,
            ...(review ? { review } : {}),
          };
        }),
      }))
    : [];
  return { run: rest, steps };
}

const MARK: Record<string, string> = { done: '✔', failed: '✘', cancelled: '✘', timeout: '✘', pending: '·' };

/** `mam run show <id> [--json]`: the steps as a graph, each under the steps it needs. */
export function showRun(argv: string[], io: Io): number {
  const { values, positionals } = parseFlags('run', argv, { json: { type: 'boolean' } });
  if (positionals.length !== 1) throw usage('run', 'say which run: `mam run show <run id>`');
  const id = positionals[0]!;
  const ctx = loadContext(io.cwd, io.env);
  const shown = readRegistryIfAny(ctx, undefined, (reg) => {
    const r = reg.getRun(id);
    return r && describeRun(reg, r);
  });
  if (!shown) throw new MamError('UNKNOWN_RUN', `no run "${id}" on this host`, { hint: '`mam runs` lists the runs' });
  if (values.json) {
    io.out(`${JSON.stringify(shown)}\n`);
    return 0;
  }
  const r = shown.run;
  io.out(
    `run ${r.id} on ${r.host}: ${r.state}${r.reason ? ` (${r.reason})` : ''}\n  ${r.file}\n  params ${r.params}\n`,
  );
  const depth = new Map<string, number>();
  const level = (s: ShownStep): number => {
    if (!depth.has(s.id)) {
      depth.set(s.id, 0);
      const deps = [...s.needs, ...s.needs_any].map((n) => shown.steps.find((x) => x.id === n)!);
      depth.set(s.id, deps.length ? 1 + Math.max(...deps.map(level)) : 0);
    }
    return depth.get(s.id)!;
  };
  for (const s of [...shown.steps].sort((a, b) => level(a) - level(b))) {
    const indent = '  '.repeat(level(s) + 1);
    const after =
      s.needs.length || s.needs_any.length ? `  ← ${[...s.needs, ...s.needs_any.map((n) => `${n}?`)].join(', ')}` : '';
    io.out(`${indent}${s.id} [${s.agent}]${after}\n`);
    for (const i of s.items) {
      const label = i.value !== undefined ? `${i.item}:${i.value} ` : '';
      io.out(
        `${indent}  ${MARK[i.state] ?? '▶'} ${label}${i.state}${i.job ? `  ${i.job}` : ''}${i.host ? ` @${i.host}` : ''}${i.attempts > 1 ? `  attempts ${i.attempts}` : ''}\n`,
      );
      const r = i.review;
      if (r) io.out(`${indent}    review round ${r.round}: ${r.verdict ?? r.state}  ${r.job}\n`);
    }
  }
  return 0;
}
