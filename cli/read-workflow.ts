import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ADAPTERS } from '../agents/adapters/index.js';
import { MamError } from '../core/errors.js';
import { invalidWorkflow, parseWorkflow } from '../core/workflow/parse-workflow.js';
import { resolveParams } from '../core/workflow/resolve-params.js';
import type { ParamValues, Workflow } from '../core/workflow/workflow-types.js';
import { parseParams } from './run-params.js';

/** A workflow is kept whole in the registry and in messages: ample for 500 steps with long prompts. */
const MAX_WORKFLOW_CHARS = 1_000_000;

/**
 * Reads and checks a workflow file with its `--param` values: every problem of the file and of
 * the params in one WORKFLOW_INVALID error (exit 2), before anything is sent.
 */
export function readWorkflow(
  command: string,
  cwd: string,
  path: string,
  params: string[],
): { file: string; text: string; workflow: Workflow; given: Record<string, string>; values: ParamValues } {
  const file = resolve(cwd, path);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new MamError('FILE_NOT_FOUND', `cannot read the workflow ${file}: ${(err as Error).message}`);
  }
  if (text.length > MAX_WORKFLOW_CHARS)
    throw invalidWorkflow(file, [
      `the file has ${text.length} characters; a workflow has at most ${MAX_WORKFLOW_CHARS}`,
    ]);
  const given = parseParams(command, params);
  const parsed = parseWorkflow(text, Object.keys(ADAPTERS));
  if (!parsed.ok) throw invalidWorkflow(file, parsed.problems);
  const { values, problems } = resolveParams(parsed.workflow, given);
  if (problems.length) throw invalidWorkflow(file, problems);
  return { file, text, workflow: parsed.workflow, given, values };
}
