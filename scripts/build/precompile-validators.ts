import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Ajv } from 'ajv';
import standalone from 'ajv/dist/standalone/index.js';
import { packageRoot } from '../../core/package-root.js';
import { AJV_OPTIONS, precompiledPath, schemaText } from '../../core/json-schema.js';

/**
 * Build step: turns every schema in schemas/ into a standalone validator
 * module under dist/validators/, the same code ajv would generate at run time.
 */
function schemaFiles(dir: string, prefix = ''): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? schemaFiles(join(dir, e.name), `${prefix}${e.name}/`)
      : e.name.endsWith('.json')
        ? [`${prefix}${e.name}`]
        : [],
  );
}

// The CommonJS default export arrives wrapped when imported from ESM.
const standaloneCode = (standalone as unknown as { default: typeof standalone.default }).default;
const root = packageRoot();
rmSync(join(root, 'dist', 'validators'), { recursive: true, force: true });
const ajv = new Ajv({ ...AJV_OPTIONS, code: { source: true } });
const files = schemaFiles(join(root, 'schemas'));
for (const rel of files) {
  const text = schemaText(rel);
  const out = precompiledPath(rel, text);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, standaloneCode(ajv, ajv.compile(JSON.parse(text))));
}
process.stdout.write(`precompiled ${files.length} validators into dist/validators/\n`);
