import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { packageRoot } from './package-root.js';

/**
 * Build step: the compiled CLI (dist/cli/main.js) and what it imports become
 * one CommonJS script, dist/mam.cjs, and the program dist/mam.js runs it
 * through V8's code cache (cli/program.ts). A short-lived `mam emit` then reads
 * two files instead of some hundred and thirty, and compiles almost nothing.
 * What stays outside is loaded from node_modules as before.
 */
const root = packageRoot();
const dist = join(root, 'dist');
// Left by earlier builds: the split bundle's folder, and caches of code that no longer exists.
rmSync(join(dist, 'chunks'), { recursive: true, force: true });
rmSync(join(dist, 'code-cache'), { recursive: true, force: true });
const common = { bundle: true, platform: 'node', target: 'node20', logLevel: 'warning' } as const;
await build({
  ...common,
  entryPoints: [join(dist, 'cli', 'main.js')],
  outfile: join(dist, 'mam.cjs'),
  format: 'cjs',
  // Native addons, and the certificate library `mam init` alone loads (its CommonJS build needs the
  // Reflect metadata polyfill loaded first, which is simplest left to Node's own loader).
  external: ['better-sqlite3', 'node-pty', '@peculiar/x509', 'reflect-metadata'],
  // Browser compatibility packages mqtt.js and its parsers import, which every `mam` start paid to
  // load: readable-stream is a copy of Node's own stream module (the same classes and semantics),
  // and worker-timers is only ever used in browsers. Node's built-ins serve both (≈ 25 ms of start-up).
  alias: { 'readable-stream': 'node:stream', 'worker-timers': join(dist, 'core', 'node-timers.js') },
  // The sources are ES modules that find their package through import.meta.url: the script's own file here.
  define: { 'import.meta.url': '__mamModuleUrl' },
  // import() of the external packages becomes require(): a script run from V8's code cache gets no
  // dynamic import callback (node 20), and both packages ship CommonJS builds.
  supported: { 'dynamic-import': false },
  banner: { js: "const __mamModuleUrl = require('node:url').pathToFileURL(__filename).href;" },
});
await build({ ...common, entryPoints: [join(dist, 'cli', 'program.js')], outfile: join(dist, 'mam.js'), format: 'esm' });
process.stdout.write('bundled the CLI into dist/mam.cjs, run by dist/mam.js\n');
