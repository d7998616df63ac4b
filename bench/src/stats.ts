/** Small statistics for benchmark samples; every function leaves its input untouched. */

/** The q-quantile (0 ≤ q ≤ 1) with linear interpolation between closest ranks (NumPy's default). */
export function percentile(values: readonly number[], q: number): number {
  if (values.length === 0) throw new Error("percentile of no values");
  if (!(q >= 0 && q <= 1)) throw new Error(`quantile must be within [0, 1], got ${q}`);
  const sorted = [...values].sort((a, b) => a - b);
  const rank = q * (sorted.length - 1);
  const low = Math.floor(rank);
  const high = Math.ceil(rank);
  const a = sorted[low] as number;
  const b = sorted[high] as number;
  return a + (b - a) * (rank - low);
}

export function median(values: readonly number[]): number {
  return percentile(values, 0.5);
}

export function mean(values: readonly number[]): number {
  if (values.length === 0) throw new Error("mean of no values");
  return values.reduce((sum, v) => sum + v, 0) / values.length;
}

/** Least-squares slope of y over x (e.g. bytes of RSS per completed task). */
export function slope(points: ReadonlyArray<readonly [number, number]>): number {
  if (points.length < 2) throw new Error("slope needs at least two points");
  const mx = mean(points.map(([x]) => x));
  const my = mean(points.map(([, y]) => y));
  let num = 0;
  let den = 0;
  for (const [x, y] of points) {
    num += (x - mx) * (y - my);
    den += (x - mx) ** 2;
  }
  if (den === 0) throw new Error("slope of points that share one x");
  return num / den;
}

/** Events per minute over a span of milliseconds. */
export function perMinute(count: number, spanMs: number): number {
  if (spanMs <= 0) throw new Error(`rate over a non-positive span (${spanMs} ms)`);
  return (count * 60_000) / spanMs;
}

/** Rounds for display without trailing noise (3 significant digits below 100). */
export function round(value: number, digits = 2): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
