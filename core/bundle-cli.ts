import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { packageRoot } from './package-root.js';

/**
 * Build step: the compiled CLI (dist/cli/main.js) and what it imports, as
 * one ES module, dist/mam.js, with the code only some commands need split
 * into dist/chunks/. A short-lived `mam emit` then reads a handful of files
 * instead of some hundred and thirty, most of its start-up. What stays
 * outside is loaded from node_modules as before.
 */
const root = packageRoot();
rmSync(join(root, 'dist', 'chunks'), { recursive: true, force: true });
await build({
  entryPoints: { mam: join(root, 'dist', 'cli', 'main.js') },
  outdir: join(root, 'dist'),
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // Native addons, and the certificate library `mam init` alone loads (its CommonJS build needs the
  // Reflect metadata polyfill loaded first, which is simplest left to Node's own loader).
  external: ['better-sqlite3', 'node-pty', '@peculiar/x509', 'reflect-metadata'],
  // CommonJS dependencies inside an ES module bundle still call require() for Node's built-ins.
  banner: { js: "import { createRequire as __mamCreateRequire } from 'node:module'; const require = __mamCreateRequire(import.meta.url);" },
  // Browser compatibility packages mqtt.js and its parsers import, which every `mam` start paid to
  // load: readable-stream is a copy of Node's own stream module (the same classes and semantics),
  // and worker-timers is only ever used in browsers. Node's built-ins serve both (≈ 25 ms of start-up).
  alias: { 'readable-stream': 'node:stream', 'worker-timers': join(root, 'dist', 'core', 'node-timers.js') },
  logLevel: 'warning',
});
process.stdout.write('bundled the CLI into dist/mam.js\n');
