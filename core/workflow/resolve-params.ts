import type { ParamValues, Workflow } from './workflow-types.js';

/**
 * The run's params from the workflow's declarations and the `--param` values: defaults filled in,
 * lists split on commas, numbers and booleans checked. Every problem is listed (missing, unknown,
 * of the wrong type); nothing is started with any of them.
 */
export function resolveParams(
  wf: Workflow,
  given: Record<string, string>,
): { values: ParamValues; problems: string[] } {
  const values: ParamValues = {};
  const problems: string[] = [];
  const declared = new Map((wf.params ?? []).map((p) => [p.name, p]));
  for (const name of Object.keys(given))
    if (!declared.has(name))
      problems.push(
        `--param ${name}: the workflow has no such param (it has: ${[...declared.keys()].join(', ') || 'none'})`,
      );
  for (const p of declared.values()) {
    const raw = given[p.name];
    if (raw === undefined) {
      if (p.default !== undefined) values[p.name] = Array.isArray(p.default) ? p.default : String(p.default);
      else if (p.required) problems.push(`param "${p.name}" is required: give it with --param ${p.name}=<value>`);
      continue;
    }
    if (p.type === 'list') {
      values[p.name] = raw
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      continue;
    }
    if (p.type === 'number' && !Number.isFinite(Number(raw)))
      problems.push(`param "${p.name}" must be a number, got "${raw}"`);
    if (p.type === 'boolean' && raw !== 'true' && raw !== 'false')
      problems.push(`param "${p.name}" must be true or false, got "${raw}"`);
    values[p.name] = raw;
  }
  return { values, problems };
}
