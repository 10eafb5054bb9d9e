import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

/**
 * The folder holding mam's own package.json (schemas/, .mam.example, fixtures).
 * Found by walking up from this module, so it is the same from the TypeScript
 * sources (tests) and from the compiled dist/ tree.
 */
export function packageRoot(): string {
  if (cached) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && JSON.parse(readFileSync(pkg, 'utf8')).name === 'mam') return (cached = dir);
    const up = dirname(dir);
    if (up === dir) throw new Error('mam package.json not found above ' + fileURLToPath(import.meta.url));
    dir = up;
  }
}

/** The mam CLI to run as a program (spawned daemons, session shims): the program `npm run build` makes. */
export function mamEntry(): string {
  return join(packageRoot(), 'dist', 'mam.cjs');
}
