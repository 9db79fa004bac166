/** Summaries the benches print (here, not in bench/, so bench/run.sh does not run it as a bench). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** Median and maximum, rounded to whole milliseconds. */
export function medianAndMax(values: readonly number[]): { median: number; max: number } {
  return { median: Math.round(median(values)), max: Math.round(Math.max(...values)) };
}

/** `median N ms (max N ms)`. */
export function showMedianAndMax(values: readonly number[]): string {
  const { median: middle, max } = medianAndMax(values);
  return `median ${middle} ms (max ${max} ms)`;
}
