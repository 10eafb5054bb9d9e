#!/usr/bin/env node
// Installs the agent CLIs mam is checked against, at their pinned versions
// (agents/real-clis/pinned.json), each into a folder of its own under
// $MAM_REAL_CLIS (default ~/.cache/mam-real-clis) — never into the project's
// node_modules: together they weigh ≈ 850 MB and `npm ci` must stay light.
// Idempotent: a folder whose marker file names the pinned version is kept.
// Usage: node scripts/install-real-clis.mjs [cli …]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const pinned = JSON.parse(readFileSync(join(root, 'agents', 'real-clis', 'pinned.json'), 'utf8'));
const cache = process.env.MAM_REAL_CLIS || join(homedir(), '.cache', 'mam-real-clis');
const MARKER = '.mam-installed';

const wanted = process.argv.slice(2);
let failed = 0;
for (const [name, cli] of Object.entries(pinned.clis)) {
  if (wanted.length > 0 && !wanted.includes(name)) continue;
  const spec = `${cli.package}@${cli.version}`;
  const dir = join(cache, spec.replace('/', '+'));
  const marker = join(dir, MARKER);
  if (existsSync(marker) && readFileSync(marker, 'utf8').trim() === spec) {
    console.log(`${name}: ${spec} already in ${dir}`);
    continue;
  }
  // Installed into a side folder and renamed at the end, so an interrupted install never looks complete.
  const tmp = `${dir}.partial-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  writeFileSync(join(tmp, 'package.json'), '{"private":true}\n');
  console.log(`${name}: installing ${spec} into ${dir}`);
  const r = spawnSync('npm', ['install', '--prefix', tmp, '--no-audit', '--no-fund', '--save-exact', '--loglevel=error', spec], { stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`${name}: npm install ${spec} failed (exit ${r.status ?? r.signal})`);
    rmSync(tmp, { recursive: true, force: true });
    failed += 1;
    continue;
  }
  writeFileSync(join(tmp, MARKER), `${spec}\n`);
  rmSync(dir, { recursive: true, force: true });
  renameSync(tmp, dir);
}
process.exit(failed ? 1 : 0);
