import { join } from 'node:path';
import { build } from 'esbuild';
import { packageRoot } from '../../core/package-root.js';

/**
 * Build step: the dashboard's page (dashboard/web/app.ts with xterm.js, diff2html and its own
 * styles) becomes dist/dashboard/web/app.js and app.css, served by the dashboard itself: nothing
 * is fetched from elsewhere at run time, so it works offline and under a CSP of 'self'.
 */
const root = packageRoot();
await build({
  entryPoints: [join(root, 'dashboard', 'web', 'app.ts')],
  outdir: join(root, 'dist', 'dashboard', 'web'),
  bundle: true,
  minify: true,
  format: 'esm',
  target: 'es2022',
  platform: 'browser',
  logLevel: 'warning',
  loader: { '.woff': 'empty', '.woff2': 'empty', '.ttf': 'empty' },
});
process.stdout.write('bundled the dashboard page into dist/dashboard/web/\n');
