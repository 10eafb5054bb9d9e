#!/usr/bin/env node
/**
 * The `mam` program (dist/mam.cjs, also dist/mam.js): runs the CLI bundle,
 * dist/cli.cjs, through V8's code cache, one cache per command
 * (dist/code-cache/<command>.bin), so a `mam emit` starts from what the
 * previous `mam emit` compiled.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCached } from '../core/code-cache.js';

const bundle = fileURLToPath(new URL('./cli.cjs', import.meta.url));
const arg = process.argv[2] ?? '';
runCached(bundle, join(dirname(bundle), 'code-cache', `${/^[a-z][a-z-]{0,31}$/.test(arg) ? arg : 'mam'}.bin`));
