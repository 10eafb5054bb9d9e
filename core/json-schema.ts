import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, join } from 'node:path';
import type { Ajv, ErrorObject, Options, ValidateFunction } from 'ajv';
import { runCached } from './code-cache.js';
import { packageRoot } from './package-root.js';

const require = createRequire(import.meta.url);

/** The options every mam validator is compiled with: all errors listed, defaults applied in place. */
export const AJV_OPTIONS: Options = { allErrors: true, useDefaults: true, strict: true, allowUnionTypes: true };

let runtimeAjv: Ajv | undefined;

export function schemaText(relPath: string): string {
  return readFileSync(join(packageRoot(), 'schemas', relPath), 'utf8');
}

export function loadSchema(relPath: string): object {
  return JSON.parse(schemaText(relPath));
}

/**
 * Where the build puts the standalone validator of a schema. The name carries
 * a hash of the schema text, so an edited schema never meets a stale validator.
 */
export function precompiledPath(relPath: string, text: string): string {
  const hash = createHash('sha256').update(text).digest('hex').slice(0, 12);
  return join(packageRoot(), 'dist', 'validators', `${relPath.replace(/[/\\]/g, '__')}.${hash}.cjs`);
}

const compiled = new Map<string, ValidateFunction>();

/**
 * The validator for schemas/<relPath>: the build's precompiled one when it
 * matches the schema (a short-lived `mam emit` skips loading and running the
 * ajv compiler), else compiled here on first use.
 */
export function validatorFor(relPath: string): ValidateFunction {
  let fn = compiled.get(relPath);
  if (!fn) {
    const text = schemaText(relPath);
    const pre = precompiledPath(relPath, text);
    if (existsSync(pre)) {
      // Through the code cache: the config's validator alone is ≈ 40 KB to compile at every command.
      fn = runCached(pre, join(packageRoot(), 'dist', 'code-cache', `${basename(pre)}.bin`)) as ValidateFunction;
    } else {
      // The class taken out first: `new (require(…)).Ajv(…)` loses its parentheses in the bundle.
      const { Ajv } = require('ajv') as typeof import('ajv');
      runtimeAjv ??= new Ajv(AJV_OPTIONS);
      fn = runtimeAjv.compile(JSON.parse(text));
    }
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
