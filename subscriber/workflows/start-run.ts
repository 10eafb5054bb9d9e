import { isAbsolute } from 'node:path';
import { ADAPTERS } from '../../agents/adapters/index.js';
import { MamError } from '../../core/errors.js';
import { invalidWorkflow, parseWorkflow } from '../../core/workflow/parse-workflow.js';
import { resolveParams } from '../../core/workflow/resolve-params.js';
import type { Registry } from '../registry/registry.js';

export interface RunStart {
  id: string;
  file: string;
  workflow: string;
  workdir: string;
  params: Record<string, string>;
  by: string;
}

/**
 * Records a run of this host, checked again here as the CLI checked it: the text may come from a
 * schedule kept long ago, or from a sender that never ran the CLI. Its steps launch from the run
 * driver's next decision. False when a run of that id exists (a replay, a schedule's firing twice).
 */
export function startRun(reg: Registry, host: string, r: RunStart, now: number): boolean {
  const parsed = parseWorkflow(r.workflow, Object.keys(ADAPTERS));
  if (!parsed.ok) throw invalidWorkflow(r.file, parsed.problems);
  const { values, problems } = resolveParams(parsed.workflow, r.params);
  if (!isAbsolute(r.workdir)) problems.push(`the run's workdir "${r.workdir}" is not an absolute path`);
  if (problems.length) throw invalidWorkflow(r.file, problems);
  return reg.insertRun({
    id: r.id,
    host,
    file: r.file,
    workflow: r.workflow,
    workdir: r.workdir,
    params: JSON.stringify(values),
    state: 'running',
    reason: null,
    started_by: r.by,
    created_at: now,
  });
}

/** The run of this host named by an operator's stop or resume. */
export function ownRun(reg: Registry, host: string, id: string) {
  const run = reg.getRun(id);
  if (!run || run.host !== host) throw new MamError('UNKNOWN_RUN', `no run "${id}" owned by host ${host}`);
  return run;
}
