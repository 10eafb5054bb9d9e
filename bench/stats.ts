/** Order statistics over a sample; nearest-rank percentiles, so every figure is a value that was measured. */
export function percentile(sample: readonly number[], p: number): number {
  if (sample.length === 0) return Number.NaN;
  const sorted = [...sample].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

export const median = (sample: readonly number[]) => percentile(sample, 50);

/** Events (or messages) per second over a span in milliseconds. */
export function ratePerSecond(count: number, ms: number): number {
  return ms > 0 ? (count * 1000) / ms : Number.NaN;
}

/** Rounds for reports: whole numbers above 100, three significant digits below. */
export function roundFigure(v: number): number {
  if (!Number.isFinite(v)) return v;
  return Math.abs(v) >= 100 ? Math.round(v) : Number(v.toPrecision(3));
}
