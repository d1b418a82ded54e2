import { EstimatorsError } from "./errors.js";
import { npAround, pairwiseSum64 } from "./numeric.js";

/** Number of equal-width bins the reference uses to approximate size factors. */
export const SIZE_FACTOR_BINS = 30;

function checkCounts(name: string, values: ArrayLike<number>): void {
  if (values.length === 0) throw new EstimatorsError("E_EMPTY_INPUT", `${name} is empty: need at least one cell`);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!(v >= 0) || v === Number.POSITIVE_INFINITY) {
      throw new EstimatorsError("E_INVALID_COUNT", `${name}[${i}] is ${v}: counts must be finite and >= 0`);
    }
  }
}

/**
 * Relative size factors: `raw_sum / mean(raw_sum)` in float64, the mean summed pairwise like numpy.
 * Throws INVALID_COUNT for a negative, NaN or infinite raw_sum and ZERO_MEAN when every raw_sum is 0.
 */
export function relativeSizeFactors(rawSum: ArrayLike<number>): Float64Array {
  checkCounts("raw_sum", rawSum);
  const n = rawSum.length;
  const mean = pairwiseSum64(rawSum, 0, n) / n;
  if (mean === 0) throw new EstimatorsError("E_ZERO_MEAN", "raw_sum is 0 for every cell: size factors are undefined");
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = rawSum[i] / mean;
  return out;
}

/**
 * Equal-width binning as `scipy.stats.binned_statistic(x, x, bins, statistic="mean")` does it, returning the
 * 1-based bin number of every value (values on the right-most edge go to the last bin, as scipy decides with
 * its rounding rule) and each bin's mean (NaN for an empty bin).
 */
export function binnedMean(
  x: ArrayLike<number>,
  nBins: number = SIZE_FACTOR_BINS,
): { binNumber: Int32Array; binMean: Float64Array; edges: Float64Array } {
  if (!Number.isInteger(nBins) || nBins < 1) {
    throw new EstimatorsError("E_INVALID_ARGUMENT", `nBins is ${nBins}: must be a positive integer`);
  }
  const n = x.length;
  if (n === 0) throw new EstimatorsError("E_EMPTY_INPUT", "size factors are empty: need at least one cell");
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < n; i++) {
    const v = x[i];
    if (Number.isNaN(v)) throw new EstimatorsError("E_INVALID_COUNT", `size factor [${i}] is NaN`);
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (min === max) {
    min -= 0.5;
    max += 0.5;
  }
  // np.linspace(min, max, nBins + 1): i * step + start, last edge set to stop.
  const nEdges = nBins + 1;
  const edges = new Float64Array(nEdges);
  const step = (max - min) / nBins;
  for (let i = 0; i < nEdges; i++) edges[i] = i * step + min;
  edges[nEdges - 1] = max;
  let dmin = Number.POSITIVE_INFINITY;
  for (let i = 1; i < nEdges; i++) dmin = Math.min(dmin, edges[i] - edges[i - 1]);
  if (dmin === 0) throw new EstimatorsError("E_INVALID_ARGUMENT", "size factors span too small a range to bin");
  const decimal = Math.trunc(-Math.log10(dmin)) + 6;
  const last = edges[nEdges - 1];
  const lastRounded = npAround(last, decimal);

  const binNumber = new Int32Array(n);
  // Bins 0 and nBins + 1 are scipy's outlier bins; they stay empty for data binned over its own range.
  const count = new Float64Array(nBins + 2);
  const sum = new Float64Array(nBins + 2);
  for (let i = 0; i < n; i++) {
    const v = x[i];
    // np.digitize(v, edges) == searchsorted(edges, v, side="right")
    let lo = 0;
    let hi = nEdges;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (edges[mid] <= v) lo = mid + 1;
      else hi = mid;
    }
    let b = lo;
    if (v >= last && npAround(v, decimal) === lastRounded) b -= 1;
    binNumber[i] = b;
    count[b] += 1;
    sum[b] += v;
  }
  const binMean = new Float64Array(nBins);
  for (let b = 1; b <= nBins; b++) binMean[b - 1] = count[b] > 0 ? sum[b] / count[b] : Number.NaN;
  return { binNumber, binMean, edges };
}

/**
 * The reference's approximate size factors: each value replaced by the mean of its bin among `nBins`
 * equal-width bins, and the maximum value kept as itself.
 */
export function binSizeFactors(sizeFactors: ArrayLike<number>, nBins: number = SIZE_FACTOR_BINS): Float64Array {
  const { binNumber, binMean } = binnedMean(sizeFactors, nBins);
  const n = sizeFactors.length;
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < n; i++) if (sizeFactors[i] > max) max = sizeFactors[i];
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const b = Math.min(Math.max(binNumber[i], 1), nBins);
    out[i] = sizeFactors[i] === max ? max : binMean[b - 1];
  }
  return out;
}

/** raw_sum → approximate size factors, the value the cube's `size_factor` sums. */
export function approxSizeFactors(rawSum: ArrayLike<number>, nBins: number = SIZE_FACTOR_BINS): Float64Array {
  return binSizeFactors(relativeSizeFactors(rawSum), nBins);
}
