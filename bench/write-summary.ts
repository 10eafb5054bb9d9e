/**
 * Writes the results table of docs/BENCHMARKS.md from bench/results/latest.json:
 * the part between the two marker lines is replaced, the rest of the page is
 * kept. `npm run bench` calls it after every run; `npm run bench:summary` alone.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { packageRoot } from '../core/package-root.js';
import { formatTable, type Results } from './report.js';

const START = '<!-- results: written by bench/write-summary.ts from bench/results/latest.json -->';
const END = '<!-- results end -->';

export function writeSummary(root = packageRoot()): string {
  const r = JSON.parse(readFileSync(join(root, 'bench', 'results', 'latest.json'), 'utf8')) as Results;
  const doc = join(root, 'docs', 'BENCHMARKS.md');
  const text = readFileSync(doc, 'utf8');
  const from = text.indexOf(START);
  const to = text.indexOf(END);
  if (from < 0 || to < from) throw new Error(`${doc} has no results markers`);
  const when = Object.entries(r.ranAt ?? {})
    .map(([b, t]) => `${b} ${t.slice(0, 16).replace('T', ' ')}`)
    .join(', ');
  const block = [
    START,
    `${r.cpuCount} × ${r.cpuModel}, ${r.memoryMiB.toLocaleString('en-US')} MiB, node ${r.node}${r.flags.quick ? ', --quick' : ''}; measured (UTC): ${when}.`,
    '',
    formatTable(r),
    '',
    END,
  ].join('\n');
  writeFileSync(doc, text.slice(0, from) + block + text.slice(to + END.length));
  return doc;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) process.stdout.write(`wrote ${writeSummary()}\n`);
