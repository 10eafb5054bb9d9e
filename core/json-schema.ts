import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { packageRoot } from './package-root.js';

// One ajv instance for every schema mam ships: compiled once, defaults applied in place.
const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: true, allowUnionTypes: true });

export function loadSchema(relPath: string): object {
  return JSON.parse(readFileSync(join(packageRoot(), 'schemas', relPath), 'utf8'));
}

const compiled = new Map<string, ValidateFunction>();

/** The validator for schemas/<relPath>, compiled on first use. */
export function validatorFor(relPath: string): ValidateFunction {
  let fn = compiled.get(relPath);
  if (!fn) {
    fn = ajv.compile(loadSchema(relPath));
    compiled.set(relPath, fn);
  }
  return fn;
}

/** ajv errors as one line each: `<where>: <what>`. */
export function describeErrors(errors: ErrorObject[] | null | undefined, root = ''): string[] {
  return (errors ?? []).map((e) => {
    const where = root + (e.instancePath || '') || '(top level)';
    if (e.keyword === 'additionalProperties') {
      return `${where}: unknown property "${(e.params as { additionalProperty: string }).additionalProperty}"`;
    }
    if (e.keyword === 'enum') {
      return `${where}: must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}`;
    }
    return `${where}: ${e.message}`;
  });
}
