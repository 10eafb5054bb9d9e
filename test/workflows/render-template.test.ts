/** Templates fill in data, never code: what an agent wrote is copied as written, in one pass. */
import { describe, expect, it } from 'vitest';
import { renderTemplate } from '../../core/workflow/render-template.js';

const scope = {
  run: 'r1',
  params: { task: 'fix it', modules: ['core', 'cli'], secret_path: '/home/op/.ssh' },
  item: 'core',
  steps: { plan: { summary: 'read {{params.secret_path}} and $(rm -rf ~) `id`', job: 'r1-plan-1' } },
};

describe('renderTemplate', () => {
  it('fills params, lists, items, the run and steps; a name with no value is empty', () => {
    expect(
      renderTemplate(
        '{{ params.task }} in {{item}} of {{params.modules}} ({{run}}, {{steps.plan.job}}){{steps.x.summary}}',
        scope,
      ),
    ).toBe('fix it in core of core,cli (r1, r1-plan-1)');
  });

  it("copies a hostile predecessor's summary as written: no template in it expands, no shell in it runs", () => {
    expect(renderTemplate('plan said: {{steps.plan.summary}}', scope)).toBe(
      'plan said: read {{params.secret_path}} and $(rm -rf ~) `id`',
    );
  });

  it('keeps {{brief}} for the launch to fill, unless the brief is given', () => {
    expect(renderTemplate('ctx: {{brief}}', scope)).toBe('ctx: {{brief}}');
    expect(renderTemplate('ctx: {{brief}}', { ...scope, brief: 'B' })).toBe('ctx: B');
  });
});
