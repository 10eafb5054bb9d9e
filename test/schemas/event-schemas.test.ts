import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { CASES } from './event-cases.js';

const DIR = fileURLToPath(new URL('../../schemas/events/', import.meta.url));
const load = (type: string): Record<string, unknown> => JSON.parse(readFileSync(`${DIR}${type}.json`, 'utf8'));

// Walks a schema and lists every place missing a bound the project requires.
function missingBounds(node: unknown, where: string, out: string[]): string[] {
  if (node === null || typeof node !== 'object') return out;
  const s = node as Record<string, unknown>;
  if (s.type === 'string' && s.enum === undefined && typeof s.maxLength !== 'number')
    out.push(`${where}: string without maxLength`);
  if (s.type === 'array' && typeof s.maxItems !== 'number') out.push(`${where}: array without maxItems`);
  if (s.type === 'object' && s.additionalProperties !== false)
    out.push(`${where}: object allows additional properties`);
  for (const [k, v] of Object.entries(s)) missingBounds(v, `${where}/${k}`, out);
  return out;
}

describe('event body schemas', () => {
  it('there is one schema for each event type, and no other', () => {
    const files = readdirSync(DIR)
      .filter((f) => f.endsWith('.json'))
      .map((f) => f.slice(0, -'.json'.length));
    expect(files.sort()).toEqual(Object.keys(CASES).sort());
  });

  // One strict instance for all of them, so a duplicate $id would fail here as well.
  const ajv = new Ajv({ allErrors: true, strict: true });

  for (const [type, { valid, invalid }] of Object.entries(CASES)) {
    describe(type, () => {
      const schema = load(type);
      const validate = ajv.compile(schema);

      it('is draft-07 with $id mam:event/<type> and bounded everywhere', () => {
        expect(schema.$schema).toBe('http://json-schema.org/draft-07/schema#');
        expect(schema.$id).toBe(`mam:event/${type}`);
        expect(missingBounds(schema, type, [])).toEqual([]);
      });

      it.each(valid.map((b) => [JSON.stringify(b).slice(0, 80), b]))('accepts %s', (_label, body) => {
        expect(validate(body), JSON.stringify(validate.errors)).toBe(true);
      });

      it.each(invalid)('refuses %s', (_label, body) => {
        expect(validate(body)).toBe(false);
      });
    });
  }
});
