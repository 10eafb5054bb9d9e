/** What every benchmark receives from the harness. */
export interface BenchOptions {
  /** smaller counts: a smoke run in seconds, figures less stable */
  quick: boolean;
  /** where a benchmark may write CPU profiles of the processes it starts; off when undefined */
  cpuProfDir?: string;
  /** settings merged into every benchmark workspace's config (`--set`), for trying knobs */
  config?: Record<string, Record<string, unknown>>;
  /** progress lines for people (stderr); never part of the results */
  log(line: string): void;
}

export interface Goal {
  op: '>=' | '<=';
  value: number;
}

/** One measured number, with its goal when the project set one. */
export interface Figure {
  bench: string;
  name: string;
  value: number;
  unit: string;
  goal?: Goal;
  /** null: no goal to meet */
  pass: boolean | null;
  note?: string;
}

export interface Benchmark {
  name: string;
  /** which issue asked for it, for the report */
  issue: string;
  describe: string;
  run(opts: BenchOptions): Promise<Figure[]>;
}

/** A figure, judged against its goal. */
export function figure(
  bench: string,
  name: string,
  value: number,
  unit: string,
  extra: { goal?: Goal; note?: string } = {},
): Figure {
  const { goal, note } = extra;
  const pass = goal ? (goal.op === '>=' ? value >= goal.value : value <= goal.value) : null;
  return { bench, name, value, unit, ...(goal ? { goal } : {}), pass, ...(note ? { note } : {}) };
}
