/**
 * The bundled CLI without the build's precompiled validators (a schema edited after the build, or
 * a copy that lost dist/validators/) compiles each schema with ajv at run time, and works.
 */
import { appendFileSync, cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../../core/package-root.js';

const root = packageRoot();
const copy = mkdtempSync(join(tmpdir(), 'mam-bundle-'));
afterAll(() => rmSync(copy, { recursive: true, force: true }));

describe('the bundled CLI without precompiled validators', () => {
  it('validates a workflow file and reports a bad one, compiling the schema at run time', async () => {
    for (const f of ['package.json', 'schemas', 'examples']) cpSync(join(root, f), join(copy, f), { recursive: true });
    mkdirSync(join(copy, 'dist'));
    for (const f of ['mam.cjs', 'cli.cjs']) cpSync(join(root, 'dist', f), join(copy, 'dist', f));
    symlinkSync(join(root, 'node_modules'), join(copy, 'node_modules'));
    const mam = (...args: string[]) =>
      execa(process.execPath, [join(copy, 'dist', 'mam.cjs'), ...args], { reject: false, cwd: copy });
    const good = await mam(
      'run',
      'validate',
      join(copy, 'examples', 'workflows', 'fan-out-modules.yaml'),
      '--param',
      'modules=a,b',
    );
    expect(good.exitCode, String(good.stderr)).toBe(0);
    const badFile = join(copy, 'bad.yaml');
    cpSync(join(copy, 'examples', 'workflows', 'fan-out-modules.yaml'), badFile);
    appendFileSync(badFile, 'colour: blue\n');
    const bad = await mam('run', 'validate', badFile, '--param', 'modules=a,b');
    expect(bad.exitCode).toBe(2);
    expect(String(bad.stderr)).toMatch(/colour/);
  });
});
