import { cpus, totalmem } from 'node:os';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Figure } from './benchmark.js';
import { roundFigure } from './stats.js';

export interface Results {
  date: string;
  node: string;
  platform: string;
  cpuCount: number;
  cpuModel: string;
  memoryMiB: number;
  /** set: config settings applied to every benchmark workspace (`--set`) */
  flags: { quick: boolean; only: string[] | null; set: string[] };
  /** when each benchmark's figures were measured: a run of some benchmarks keeps the others' figures */
  ranAt?: Record<string, string>;
  /** share of all CPUs busy with other work just before each benchmark started (0..1; null: unknown) */
  busyBefore: Record<string, number | null>;
  /** benchmarks that failed to run, with why */
  errors: Array<{ bench: string; error: string }>;
  figures: Figure[];
  /** every goal met and every benchmark ran */
  allGoalsMet: boolean;
}

export function collectResults(
  figures: Figure[],
  errors: Results['errors'],
  flags: Results['flags'],
  busyBefore: Results['busyBefore'],
): Results {
  const cpu = cpus();
  return {
    date: new Date().toISOString(),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    cpuCount: cpu.length,
    cpuModel: cpu[0]?.model.trim() ?? 'unknown',
    memoryMiB: Math.round(totalmem() / 2 ** 20),
    flags,
    busyBefore,
    ranAt: Object.fromEntries(Object.keys(busyBefore).map((b) => [b, new Date().toISOString()])),
    errors,
    figures: figures.map((f) => ({ ...f, value: roundFigure(f.value) })),
    allGoalsMet: errors.length === 0 && figures.every((f) => f.pass !== false),
  };
}

const goalText = (f: Figure) =>
  f.goal ? `${f.goal.op === '>=' ? '≥' : '≤'} ${f.goal.value.toLocaleString('en-US')} ${f.unit}` : '—';
const verdict = (f: Figure) => (f.pass === null ? '' : f.pass ? 'pass' : 'MISSED');
const valueText = (f: Figure) =>
  Number.isFinite(f.value) ? `${f.value.toLocaleString('en-US')} ${f.unit}` : `n/a ${f.unit}`;

/** The results as a Markdown table: readable in a terminal, and pasted as is into docs/BENCHMARKS.md. */
export function formatTable(r: Results): string {
  const rows = [
    ['benchmark', 'figure', 'value', 'goal', 'result'],
    ...r.figures.map((f) => [f.bench, f.name, valueText(f), goalText(f), verdict(f)]),
  ];
  for (const e of r.errors) rows.push([e.bench, 'did not run', e.error.split('\n')[0].slice(0, 80), '—', 'ERROR']);
  const widths = rows[0].map((_, c) => Math.max(...rows.map((row) => row[c].length)));
  const line = (row: string[]) => `| ${row.map((cell, c) => cell.padEnd(widths[c])).join(' | ')} |`;
  const rule = `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`;
  return [line(rows[0]), rule, ...rows.slice(1).map(line)].join('\n');
}

/** Benchmarks that started on a machine busy with other work: their figures are low. */
export function busyWarnings(r: Results): string[] {
  return Object.entries(r.busyBefore)
    .filter(([, b]) => b !== null && b > 0.15)
    .map(
      ([bench, b]) =>
        `warning: ${Math.round(b! * 100)}% of the CPUs were busy with other work when ${bench} started; its figures are skewed low`,
    );
}

/** Written whole or not at all: a crash mid-write never leaves half a results file. */
export function writeResults(path: string, r: Results): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(r, null, 2) + '\n');
  renameSync(tmp, path);
}

/**
 * This run's results over the previous file's: the benchmarks run now replace their own figures,
 * errors and timings; those not run keep theirs, in the order of `order` (the benchmark list).
 */
export function mergeResults(path: string, current: Results, order: string[]): Results {
  if (!existsSync(path)) return current;
  let previous: Results;
  try {
    previous = JSON.parse(readFileSync(path, 'utf8')) as Results;
  } catch {
    return current;
  }
  const ran = new Set(Object.keys(current.busyBefore));
  const keep = <T extends { bench: string }>(old: T[] | undefined, now: T[]) =>
    [...(old ?? []).filter((x) => !ran.has(x.bench)), ...now].sort(
      (a, b) => order.indexOf(a.bench) - order.indexOf(b.bench),
    );
  const figures = keep(previous.figures, current.figures);
  const errors = keep(previous.errors, current.errors);
  const pick = <V>(old: Record<string, V> | undefined, now: Record<string, V> | undefined) =>
    Object.fromEntries(
      order.filter((b) => (ran.has(b) ? now : old)?.[b] !== undefined).map((b) => [b, (ran.has(b) ? now : old)![b]!]),
    );
  const ranAt = pick(
    previous.ranAt ?? Object.fromEntries(Object.keys(previous.busyBefore ?? {}).map((b) => [b, previous.date])),
    current.ranAt,
  );
  return {
    ...current,
    busyBefore: pick(previous.busyBefore, current.busyBefore),
    ranAt,
    errors,
    figures,
    allGoalsMet: errors.length === 0 && figures.every((f) => f.pass !== false),
  };
}
