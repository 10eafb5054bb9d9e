import type { ParamValues, StepSpec } from '../../core/workflow/workflow-types.js';
import type { Registry } from '../registry/registry.js';

/** The job id of one launch of a step: deterministic, so the same decision can never make two jobs. */
export const stepJobId = (run: string, step: string, item: number, attempt: number) =>
  `${run}-${step}${item >= 0 ? `-${item}` : ''}-${attempt}`;

/** The items a step fans out over (-1 alone: no foreach), with the item's value. */
export function stepItems(s: StepSpec, params: ParamValues): Array<{ item: number; value?: string }> {
  if (s.foreach === undefined) return [{ item: -1 }];
  const list = params[s.foreach];
  return (Array.isArray(list) ? list : []).map((value, item) => ({ item, value }));
}

/**
 * What a done job's summary said: its latest applied job.done, or for a job of another host (whose
 * events this host only records, its owner applying them) its latest recorded one.
 */
export function doneSummary(reg: Registry, job: string): string | undefined {
  const dones = reg.jobTimeline(job, 200).filter((e) => e.type === 'job.done');
  const done = dones.filter((e) => e.applied === 1).at(-1) ?? dones.at(-1);
  const s = (done?.body as { summary?: unknown } | null)?.summary;
  return typeof s === 'string' ? s : undefined;
}
