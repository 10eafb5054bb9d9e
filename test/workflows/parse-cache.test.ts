/** A workflow read again comes from the last reads, each caller with its own copy. */
import { describe, expect, it } from 'vitest';
import { parseWorkflow } from '../../core/workflow/parse-workflow.js';

const TEXT = 'steps:\n  - { id: a, agent: command }\n  - { id: b, agent: claud, needs: [a] }\n';

describe('parseWorkflow', () => {
  it('gives each caller its own copy: changing one result changes no later one', () => {
    const first = parseWorkflow(TEXT);
    if (!first.ok) throw new Error(first.problems.join('\n'));
    first.workflow.steps[1]!.needs!.push('zzz');
    first.workflow.steps.pop();
    const again = parseWorkflow(TEXT);
    expect(again.ok && again.workflow.steps.map((s) => [s.id, s.needs ?? []])).toEqual([
      ['a', []],
      ['b', ['a']],
    ]);
  });

  it('keeps a read with the known agents apart from one without', () => {
    expect(parseWorkflow(TEXT).ok).toBe(true);
    const checked = parseWorkflow(TEXT, ['command', 'claude']);
    expect(checked).toEqual({
      ok: false,
      problems: ['line 3: step "b": unknown agent "claud" (known: command, claude)'],
    });
    expect(parseWorkflow(TEXT).ok).toBe(true);
  });
});
