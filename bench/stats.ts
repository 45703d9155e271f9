/** Small statistics over timing samples. */

/** Summary of a list of samples (same unit as the samples). */
export interface Summary {
  readonly n: number;
  readonly min: number;
  readonly median: number;
  readonly mean: number;
  readonly max: number;
  /** Sample standard deviation (0 for one sample). */
  readonly stdev: number;
}

/** Summarizes samples; throws for an empty list. */
export function summarize(samples: readonly number[]): Summary {
  if (samples.length === 0) throw new Error('no samples to summarize');
  const sorted = [...samples].sort((a, b) => a - b);
  const n = sorted.length;
  const mid = Math.floor(n / 2);
  const median =
    n % 2 === 1
      ? (sorted[mid] as number)
      : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
  const mean = sorted.reduce((a, b) => a + b, 0) / n;
  const variance = n > 1 ? sorted.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1) : 0;
  return {
    n,
    min: sorted[0] as number,
    median,
    mean,
    max: sorted[n - 1] as number,
    stdev: Math.sqrt(variance),
  };
}

/** Rounds to `digits` significant digits (keeps JSON and tables readable). */
export function round(x: number, digits = 4): number {
  if (!Number.isFinite(x) || x === 0) return x;
  return Number(x.toPrecision(digits));
}
