/** docs/WORKFLOWS.md names every field schemas/workflow.schema.json allows, and no other. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../../core/package-root.js';

interface Obj {
  properties: Record<string, unknown>;
}

const root = packageRoot();
const schema = JSON.parse(readFileSync(join(root, 'schemas', 'workflow.schema.json'), 'utf8')) as Obj & {
  properties: { params: { items: Obj }; steps: { items: Obj } };
};
const doc = readFileSync(join(root, 'docs', 'WORKFLOWS.md'), 'utf8');

/** The first column of the table that follows `heading` in the doc. */
function tableFields(heading: string): string[] {
  const after = doc.slice(doc.indexOf(heading));
  const table = after.slice(after.indexOf('|---|'));
  const rows = table.slice(0, table.search(/\n\n/)).split('\n').slice(1);
  return rows.map((r) => /^\| `([a-z_A-Z]+)` \|/.exec(r)?.[1] ?? r);
}

describe('docs/WORKFLOWS.md', () => {
  it('documents exactly the fields of the schema, top level, params and steps', () => {
    expect(tableFields('Top level:').sort()).toEqual(Object.keys(schema.properties).sort());
    expect(tableFields('A param:').sort()).toEqual(Object.keys(schema.properties.params.items.properties).sort());
    expect(tableFields('A step:').sort()).toEqual(Object.keys(schema.properties.steps.items.properties).sort());
  });
});
