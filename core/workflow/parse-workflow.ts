import { isMap, LineCounter, parseDocument, type Document } from 'yaml';
import { MamError } from '../errors.js';
import { describeErrors, validatorFor } from '../json-schema.js';
import { checkSteps } from './check-steps.js';
import type { Workflow } from './workflow-types.js';

export type { ParamSpec, StepSpec, Workflow } from './workflow-types.js';

/** A workflow read from its text, or every problem it has (each `line N: what`, where YAML tells the line). */
export type Parsed = { ok: true; workflow: Workflow } | { ok: false; problems: string[] };

/** The last texts read, with what they gave: a reconciler reads its runs' workflows at every decision. */
const recent = new Map<string, Parsed>();
const RECENT_MAX = 8;

/**
 * Reads a workflow file's text (YAML, or JSON, which YAML reads too) and checks it all at once:
 * syntax, schemas/workflow.schema.json (unknown fields included), step ids, needs, foreach and
 * cycles. Nothing stops at the first problem: a person fixes the file in one pass. A text read
 * lately is not read again (≈ 35 ms for 200 steps): each caller gets its own copy of the result.
 */
export function parseWorkflow(text: string, agents?: readonly string[]): Parsed {
  const key = `${agents?.join(',') ?? '*'}\n${text}`;
  let parsed = recent.get(key);
  if (parsed) recent.delete(key);
  else parsed = readWorkflow(text, agents);
  recent.set(key, parsed);
  if (recent.size > RECENT_MAX) recent.delete(recent.keys().next().value!);
  return structuredClone(parsed);
}

function readWorkflow(text: string, agents?: readonly string[]): Parsed {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number | undefined) => (offset === undefined ? '' : `line ${lines.linePos(offset).line}: `);
  if (doc.errors.length > 0) {
    return { ok: false, problems: doc.errors.map((e) => `${at(e.pos[0])}${e.message.split('\n')[0]}`) };
  }
  let data: unknown;
  try {
    // yaml caps how far aliases expand (maxAliasCount): a file of nested aliases is refused, not expanded.
    data = doc.toJS();
  } catch (err) {
    return { ok: false, problems: [(err as Error).message.split('\n')[0]!] };
  }
  const validate = validatorFor('workflow.schema.json');
  const problems: string[] = [];
  if (!validate(data)) {
    for (const e of validate.errors ?? []) {
      const path = e.instancePath.split('/').slice(1).map(decodePointer);
      const extra = (e.params as { additionalProperty?: string }).additionalProperty;
      const offset = offsetOf(doc, extra === undefined ? path : [...path, extra], extra !== undefined);
      problems.push(`${at(offset)}${describeErrors([e])[0]}`);
    }
  }
  // The steps' own checks run on a file the schema refused too, on what of it has the shape they read.
  const wf = usable(data);
  for (const p of wf ? checkSteps(wf, agents) : []) {
    const offset = p.step === undefined ? undefined : offsetOf(doc, ['steps', p.step, ...(p.field ? [p.field] : [])]);
    problems.push(`${at(offset)}${p.message}`);
  }
  return problems.length ? { ok: false, problems } : { ok: true, workflow: data as Workflow };
}

/** The parts of a (possibly invalid) workflow that checkSteps reads, each of the type it reads. */
function usable(data: unknown): Workflow | undefined {
  const d = data as { steps?: unknown; params?: unknown } | null;
  if (!d || typeof d !== 'object' || !Array.isArray(d.steps)) return undefined;
  const strings = (v: unknown) => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : undefined);
  const steps = d.steps.map((s: Record<string, unknown> | null, i) => {
    const o = s && typeof s === 'object' ? s : {};
    return {
      id: typeof o.id === 'string' ? o.id : `#${i + 1}`,
      agent: typeof o.agent === 'string' ? o.agent : '',
      ...(o.review && typeof (o.review as { agent?: unknown }).agent === 'string'
        ? { review: { agent: (o.review as { agent: string }).agent } }
        : {}),
      needs: strings(o.needs),
      needs_any: strings(o.needs_any),
      foreach: typeof o.foreach === 'string' ? o.foreach : undefined,
    };
  });
  const params = (Array.isArray(d.params) ? d.params : [])
    .filter((p): p is { name: string; type?: string } => !!p && typeof (p as { name?: unknown }).name === 'string')
    .map((p) => ({ name: p.name, type: p.type as 'list' | undefined }));
  return { steps, params };
}

/** parseWorkflow, throwing one WORKFLOW_INVALID error that lists every problem. */
export function loadWorkflow(text: string, where: string): Workflow {
  const r = parseWorkflow(text);
  if (!r.ok) throw invalidWorkflow(where, r.problems);
  return r.workflow;
}

export function invalidWorkflow(where: string, problems: string[]): MamError {
  return new MamError(
    'WORKFLOW_INVALID',
    `${where} has ${problems.length} problem${problems.length === 1 ? '' : 's'}:\n${problems.map((p) => `  ${p}`).join('\n')}`,
    { hint: 'docs/WORKFLOWS.md describes the file; `mam run validate <file>` checks it without starting anything' },
  );
}

function decodePointer(s: string): string | number {
  const d = s.replace(/~1/g, '/').replace(/~0/g, '~');
  return /^\d+$/.test(d) ? Number(d) : d;
}

/** Where in the text the node at `path` starts (its key, for an unknown field); undefined if YAML has no node. */
function offsetOf(doc: Document, path: Array<string | number>, key = false): number | undefined {
  for (let n = path.length; n >= 0; n--) {
    const sub = path.slice(0, n);
    if (key && n === path.length) {
      const parent = n > 1 ? doc.getIn(sub.slice(0, -1), true) : doc.contents;
      if (isMap(parent)) {
        const pair = parent.items.find((i) => (i.key as { value?: unknown })?.value === sub.at(-1));
        const r = (pair?.key as { range?: [number, number, number] })?.range;
        if (r) return r[0];
      }
      continue;
    }
    const node = (sub.length ? doc.getIn(sub, true) : doc.contents) as { range?: [number, number, number] } | null;
    if (node?.range) return node.range[0];
  }
  return undefined;
}
