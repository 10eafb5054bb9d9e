/**
 * `npm run bench`: runs every benchmark (or `--only <name>`), prints the
 * table, writes bench/results/last-run.json, and for a full-size run without
 * --set merges its figures into bench/results/latest.json (the benchmarks run
 * replace theirs) and rewrites the table of docs/BENCHMARKS.md. A missed goal is a result, not a
 * failure: the exit status is 0 unless a benchmark could not run at all.
 * Flags: --only <name>[,<name>] (repeatable), --quick (smaller counts),
 * --cpu-prof <dir> (profile every broker and reconciler the benchmarks start),
 * --wait-quiet <s> (wait up to s seconds, default 30, for other work on the
 * machine to stop before each benchmark; 0: do not wait),
 * --set <section.key=value> (repeatable: a config setting for every benchmark
 * workspace, e.g. --set reconciler.batchDelayMs=10; recorded in the results).
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { packageRoot } from '../core/package-root.js';
import type { BenchOptions, Figure } from './benchmark.js';
import { BENCHMARKS } from './benchmarks.js';
import { waitForQuiet } from './machine.js';
import { busyWarnings, collectResults, formatTable, mergeResults, writeResults, type Results } from './report.js';
import { writeSummary } from './write-summary.js';

const USAGE = `usage: npm run bench -- [--only <name>[,<name>]] [--quick] [--cpu-prof <dir>] [--wait-quiet <seconds>] [--set <section.key=value>]...
benchmarks: ${BENCHMARKS.map((b) => b.name).join(', ')}`;

/** `section.key=value` settings as a config patch; values are JSON where they parse as JSON, else strings. */
function parseSettings(settings: string[]): BenchOptions['config'] {
  const patch: NonNullable<BenchOptions['config']> = {};
  for (const s of settings) {
    const m = /^([A-Za-z]+)\.([A-Za-z]+)=(.*)$/.exec(s);
    if (!m) throw new Error(`--set takes section.key=value, got "${s}"`);
    let value: unknown = m[3];
    try {
      value = JSON.parse(m[3]);
    } catch {
      // a plain string
    }
    (patch[m[1]] ??= {})[m[2]] = value;
  }
  return settings.length ? patch : undefined;
}

async function main(): Promise<number> {
  let values: {
    only?: string[];
    quick?: boolean;
    'cpu-prof'?: string;
    'wait-quiet'?: string;
    set?: string[];
    help?: boolean;
  };
  try {
    ({ values } = parseArgs({
      options: {
        only: { type: 'string', multiple: true },
        quick: { type: 'boolean' },
        'cpu-prof': { type: 'string' },
        'wait-quiet': { type: 'string' },
        set: { type: 'string', multiple: true },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    process.stderr.write(`bench: ${(err as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(USAGE + '\n');
    return 0;
  }
  const only = values.only
    ?.flatMap((o) => o.split(','))
    .map((o) => o.trim())
    .filter(Boolean);
  const unknown = (only ?? []).filter((o) => !BENCHMARKS.some((b) => b.name === o));
  if (unknown.length) {
    process.stderr.write(`bench: unknown benchmark ${unknown.map((u) => `"${u}"`).join(', ')}\n${USAGE}\n`);
    return 2;
  }
  let config: BenchOptions['config'];
  try {
    config = parseSettings(values.set ?? []);
  } catch (err) {
    process.stderr.write(`bench: ${(err as Error).message}\n${USAGE}\n`);
    return 2;
  }
  const cpuProfDir = values['cpu-prof'] ? resolve(values['cpu-prof']) : undefined;
  if (cpuProfDir) mkdirSync(cpuProfDir, { recursive: true });
  const quick = values.quick ?? false;
  const waitQuietS = Number(values['wait-quiet'] ?? 30);
  if (!Number.isFinite(waitQuietS) || waitQuietS < 0) {
    process.stderr.write(`bench: --wait-quiet takes a number of seconds\n${USAGE}\n`);
    return 2;
  }
  const log = (line: string) => process.stderr.write(line + '\n');

  const figures: Figure[] = [];
  const errors: Results['errors'] = [];
  const busyBefore: Results['busyBefore'] = {};
  for (const b of BENCHMARKS.filter((x) => !only || only.includes(x.name))) {
    log(`bench: ${b.name} — ${b.describe}${quick ? ' (quick)' : ''}`);
    const busy = await waitForQuiet(waitQuietS * 1000);
    busyBefore[b.name] = busy === undefined ? null : Math.round(busy * 100) / 100;
    const t0 = Date.now();
    try {
      figures.push(...(await b.run({ quick, cpuProfDir, config, log })));
    } catch (err) {
      errors.push({ bench: b.name, error: (err as Error).message });
      log(`bench: ${b.name} failed: ${(err as Error).stack ?? String(err)}`);
    }
    log(`bench: ${b.name} took ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }
  const file = join(packageRoot(), 'bench', 'results', 'latest.json');
  const results = collectResults(figures, errors, { quick, only: only ?? null, set: values.set ?? [] }, busyBefore);
  // Only a full-size run without --set speaks for the project's figures: others are printed, not kept.
  const kept = !quick && !values.set?.length;
  writeResults(join(packageRoot(), 'bench', 'results', 'last-run.json'), results);
  if (kept) {
    writeResults(
      file,
      mergeResults(
        file,
        results,
        BENCHMARKS.map((b) => b.name),
      ),
    );
    writeSummary();
  }
  process.stdout.write(`\n${formatTable(results)}\n\n`);
  for (const w of busyWarnings(results)) process.stdout.write(w + '\n');
  if (values.set?.length) process.stdout.write(`config settings for every workspace: ${values.set.join(' ')}\n`);
  process.stdout.write(
    `${results.cpuCount} × ${results.cpuModel}, node ${results.node}; ${results.allGoalsMet ? 'every goal met' : 'NOT every goal met'}; ${kept ? `results in ${file} and docs/BENCHMARKS.md` : 'in bench/results/last-run.json only (--quick or --set)'}\n`,
  );
  if (cpuProfDir) process.stdout.write(`broker and reconciler CPU profiles in ${cpuProfDir}\n`);
  return errors.length ? 1 : 0;
}

main().then(
  (code) => process.stdout.write('', () => process.exit(code)),
  (err) => {
    process.stderr.write(`bench: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(70);
  },
);
