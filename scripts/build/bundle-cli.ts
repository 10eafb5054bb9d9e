import { chmodSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { packageRoot } from '../../core/package-root.js';

/**
 * Build step: the compiled CLI (dist/cli/main.js) and what it imports become
 * one CommonJS script, dist/cli.cjs, and the program runs it through V8's code
 * cache (cli/program.ts). A short-lived `mam emit` then reads two files
 * instead of some hundred and thirty, and compiles almost nothing. What stays
 * outside is loaded from node_modules as before. The program itself is
 * dist/mam.cjs, CommonJS: an ES module entry costs node's module loader
 * ≈ 5 ms more at every start. dist/mam.js, the same program as an ES module,
 * stays for whoever runs `node dist/mam.js`.
 */
const root = packageRoot();
const dist = join(root, 'dist');
// Left by earlier builds: the split bundle's folder, and caches of code that no longer exists.
rmSync(join(dist, 'chunks'), { recursive: true, force: true });
rmSync(join(dist, 'code-cache'), { recursive: true, force: true });
const common = { bundle: true, platform: 'node', target: 'node20', logLevel: 'warning' } as const;
// The sources are ES modules that find their package through import.meta.url: in a CommonJS
// script, the script's own file.
const moduleUrl = {
  define: { 'import.meta.url': '__mamModuleUrl' },
  banner: { js: "const __mamModuleUrl = require('node:url').pathToFileURL(__filename).href;" },
};
await build({
  ...common,
  entryPoints: [join(dist, 'cli', 'main.js')],
  outfile: join(dist, 'cli.cjs'),
  format: 'cjs',
  // Native addons, and the certificate library `mam init` alone loads (its CommonJS build needs the
  // Reflect metadata polyfill loaded first, which is simplest left to Node's own loader).
  external: ['better-sqlite3', 'node-pty', '@peculiar/x509', 'reflect-metadata'],
  // Browser compatibility packages mqtt.js and its parsers import, which every `mam` start paid to
  // load: readable-stream is a copy of Node's own stream module (the same classes and semantics),
  // and worker-timers is only ever used in browsers. Node's built-ins serve both (≈ 25 ms of start-up).
  alias: { 'readable-stream': 'node:stream', 'worker-timers': join(dist, 'core', 'node-timers.js') },
  ...moduleUrl,
  // import() of the external packages becomes require(): a script run from V8's code cache gets no
  // dynamic import callback (node 20), and both packages ship CommonJS builds.
  supported: { 'dynamic-import': false },
});
const program = join(dist, 'cli', 'program.js');
await build({ ...common, ...moduleUrl, entryPoints: [program], outfile: join(dist, 'mam.cjs'), format: 'cjs' });
await build({ ...common, entryPoints: [program], outfile: join(dist, 'mam.js'), format: 'esm' });
// Both start with #!/usr/bin/env node: runnable as they are, not only through npm's bin link.
for (const file of ['mam.cjs', 'mam.js']) chmodSync(join(dist, file), 0o755);
process.stdout.write('bundled the CLI into dist/cli.cjs, run by the program dist/mam.cjs (and dist/mam.js)\n');
