import { EstimatorsError } from "./errors.js";
import { pairwiseSum32, pairwiseSum64 } from "./numeric.js";
import { type BootstrapRng, createRng, multinomial } from "./rng.js";

/** RNA capture efficiency the reference assumes. */
export const CAPTURE_EFFICIENCY = 0.1;
/** Below this mean (or with max < 2) the variance is not estimated and is reported as 0. */
export const RELIABILITY_THRESHOLD = 0.05;
/** Bootstrap draws for sev/selv. */
export const NUM_BOOT = 500;
/** The reference reseeds its multinomial generator with 5 for every (group, gene). */
export const DEFAULT_SEED = 5;

export interface MementoOptions {
  q?: number;
  numBoot?: number;
  /** Seed for each (group, gene) bootstrap; every call starts from it, so results do not depend on call order. */
  seed?: number;
  /** Compute sev/selv (the costly part). Default true. */
  bootstrap?: boolean;
}

export interface MementoEstimators {
  nnz: number;
  min: number;
  max: number;
  sum: number;
  mean: number;
  sem: number;
  var: number;
  sev: number;
  selv: number;
}

/** One gene in one obs group: the group's cells and this gene's stored values among them. */
export interface FeatureInGroup {
  /** Approximate size factors of the group's cells (those with any stored X value), in joinid order. */
  sizeFactors: Float64Array;
  /** Position in `sizeFactors` of each stored value, ascending and distinct. */
  cellIndex: Int32Array | Uint32Array;
  /** Stored values (raw counts, float32 as in X). */
  values: Float32Array;
}

const f = Math.fround;

function check(input: FeatureInGroup): void {
  const { sizeFactors, cellIndex, values } = input;
  if (cellIndex.length !== values.length) {
    throw new EstimatorsError(
      "E_LENGTH_MISMATCH",
      `cellIndex has ${cellIndex.length} entries but values has ${values.length}`,
    );
  }
  if (sizeFactors.length === 0) throw new EstimatorsError("E_EMPTY_INPUT", "group has no cells");
  let prev = -1;
  for (let i = 0; i < cellIndex.length; i++) {
    const c = cellIndex[i];
    if (!(c > prev && c < sizeFactors.length)) {
      throw new EstimatorsError(
        "E_INDEX_OUT_OF_RANGE",
        `cellIndex[${i}] is ${c}: must ascend strictly within the group's ${sizeFactors.length} cells`,
      );
    }
    prev = c;
    const v = values[i];
    if (!(v >= 0) || v === Number.POSITIVE_INFINITY) {
      throw new EstimatorsError("E_INVALID_COUNT", `values[${i}] is ${v}: counts must be finite and >= 0`);
    }
  }
  for (let i = 0; i < sizeFactors.length; i++) {
    if (!(sizeFactors[i] > 0)) {
      throw new EstimatorsError("E_INVALID_SIZE_FACTOR", `sizeFactors[${i}] is ${sizeFactors[i]}: must be > 0`);
    }
  }
}

/**
 * The reference's variance: method of moments with capture efficiency q, over the stored values (float32
 * squares, float64 sums in cell order, as scipy's sparse products do). Falls back to the mean when negative.
 */
function methodOfMomentsVariance(input: FeatureInGroup, q: number): number {
  const { sizeFactors, cellIndex, values } = input;
  const n = sizeFactors.length;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  for (let i = 0; i < values.length; i++) {
    const sf = sizeFactors[cellIndex[i]];
    const v = values[i];
    const w2 = 1 / (sf * sf);
    s1 += (1 / sf) * v;
    s2 += w2 * f(v * v);
    s3 += w2 * v;
  }
  const m1 = s1 / n;
  const m2 = s2 / n - ((1 - q) * s3) / n;
  const variance = m2 - m1 * m1;
  return variance < 0 ? m1 : variance;
}

/** True when the reference skips variance estimation: max < 2 or the (float32) mean below the threshold. */
function unreliable(values: Float32Array, n: number, max: number): boolean {
  if (max < 2) return true;
  // scipy's sparse mean: each stored value divided by n in float32, then summed.
  const scaled = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) scaled[i] = values[i] / n;
  return pairwiseSum32(scaled, 0, scaled.length) < RELIABILITY_THRESHOLD;
}

/**
 * sev and selv: standard deviation of the variance (and of its log) over `numBoot` multinomial resamples of the
 * unique (expression, size factor) pairs; invalid resampled variances (<= 0 or NaN) are replaced by a random
 * valid one, and all-invalid gives NaN, as in the reference.
 */
function bootstrapVariance(input: FeatureInGroup, q: number, numBoot: number, rng: BootstrapRng): [number, number] {
  const { sizeFactors, cellIndex, values } = input;
  const n = sizeFactors.length;
  // Unique (value, size factor) pairs over all cells, zeros included; counted with a map keyed by both.
  const counts = new Map<string, number>();
  const keyOf = (v: number, sf: number) => `${v}|${sf}`;
  let k = 0;
  for (let c = 0; c < n; c++) {
    let v = 0;
    if (k < cellIndex.length && cellIndex[k] === c) v = values[k++];
    const key = keyOf(v, sizeFactors[c]);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const entries = [...counts.entries()]
    .map(([key, count]) => {
      const [v, sf] = key.split("|").map(Number);
      return { v, sf, count };
    })
    .sort((a, b) => a.v - b.v || a.sf - b.sf);
  const m = entries.length;
  const p = new Float64Array(m);
  const expr = new Float64Array(m);
  const exprSq = new Float64Array(m);
  const invSf = new Float64Array(m);
  const invSfSq = new Float64Array(m);
  entries.forEach((e, j) => {
    p[j] = e.count / n;
    expr[j] = e.v;
    exprSq[j] = f(e.v * e.v);
    invSf[j] = 1 / e.sf;
    invSfSq[j] = invSf[j] * invSf[j];
  });
  // numpy computes `(1 - q) * expr` in float32, with (1 - q) itself rounded to float32 first. Exact zeros of the
  // variance come out as rounding noise of either sign, so this rounding decides which resamples are valid.
  const damped = new Float64Array(m);
  const q32 = f(1 - q);
  for (let j = 0; j < m; j++) damped[j] = f(q32 * expr[j]);
  const freq = new Float64Array(m);
  const boot = new Float64Array(numBoot);
  for (let b = 0; b < numBoot; b++) {
    multinomial(rng, n, p, freq);
    let m1 = 0;
    let m2 = 0;
    for (let j = 0; j < m; j++) {
      const fr = freq[j];
      if (fr === 0) continue;
      m1 += expr[j] * fr * invSf[j];
      m2 += exprSq[j] * fr * invSfSq[j] - damped[j] * fr * invSfSq[j];
    }
    m1 /= n;
    m2 /= n;
    boot[b] = m2 - m1 * m1;
  }
  const valid: number[] = [];
  for (let b = 0; b < numBoot; b++) if (boot[b] > 0) valid.push(boot[b]);
  if (valid.length === 0) return [Number.NaN, Number.NaN];
  for (let b = 0; b < numBoot; b++) {
    if (!(boot[b] > 0)) boot[b] = valid[Math.floor(rng.uniform() * valid.length)];
  }
  const logs = boot.map(Math.log);
  return [populationStd(boot), populationStd(logs)];
}

function populationStd(a: Float64Array): number {
  const n = a.length;
  const mean = pairwiseSum64(a, 0, n) / n;
  const d = new Float64Array(n);
  for (let i = 0; i < n; i++) d[i] = (a[i] - mean) * (a[i] - mean);
  return Math.sqrt(pairwiseSum64(d, 0, n) / n);
}

/**
 * All Memento estimators of one gene in one obs group, with the reference's arithmetic: float32 sums for the
 * expression values, float64 for size factors; `mean` has a pseudocount of 1.
 */
export function mementoEstimators(input: FeatureInGroup, options: MementoOptions = {}): MementoEstimators {
  check(input);
  const q = options.q ?? CAPTURE_EFFICIENCY;
  const numBoot = options.numBoot ?? NUM_BOOT;
  const { sizeFactors, cellIndex, values } = input;
  const n = sizeFactors.length;
  const nnz = values.length;
  let min = 0;
  let max = 0;
  if (nnz > 0) {
    min = Number.POSITIVE_INFINITY;
    max = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < nnz; i++) {
      if (values[i] < min) min = values[i];
      if (values[i] > max) max = values[i];
    }
  }
  const dense = new Float32Array(n);
  for (let i = 0; i < nnz; i++) dense[cellIndex[i]] = values[i];
  const denseSum = pairwiseSum32(dense, 0, n);
  const sfSum = pairwiseSum64(sizeFactors, 0, n);
  const mean = f(denseSum + 1) / (sfSum + 1);
  // numpy's float32 std: mean, deviations, squares and their sum all in float32.
  const mu = f(denseSum / n);
  for (let i = 0; i < n; i++) {
    const d = f(dense[i] - mu);
    dense[i] = d * d;
  }
  const std = f(Math.sqrt(f(pairwiseSum32(dense, 0, n) / n)));
  const sem = (std * Math.sqrt(n)) / sfSum;

  const skip = unreliable(values, n, Math.max(max, 0));
  const variance = skip ? 0 : methodOfMomentsVariance(input, q);
  let sev = 0;
  let selv = 0;
  if (!skip && options.bootstrap !== false) {
    [sev, selv] = bootstrapVariance(input, q, numBoot, createRng(options.seed ?? DEFAULT_SEED));
  } else if (options.bootstrap === false) {
    sev = Number.NaN;
    selv = Number.NaN;
  }
  return {
    nnz,
    min: nnz > 0 ? min : Number.NaN,
    max: nnz > 0 ? max : Number.NaN,
    sum: pairwiseSum32(values, 0, nnz),
    mean,
    sem,
    var: variance,
    sev,
    selv,
  };
}

export interface GroupEstimators {
  feature: Uint32Array;
  nnz: Float64Array;
  min: Float64Array;
  max: Float64Array;
  sum: Float64Array;
  mean: Float64Array;
  sem: Float64Array;
  var: Float64Array;
  sev: Float64Array;
  selv: Float64Array;
}

export const ESTIMATOR_NAMES = ["nnz", "min", "max", "sum", "mean", "sem", "var", "sev", "selv"] as const;

/**
 * Estimators for every gene with a stored value in one obs group. `cellIndex` positions refer to
 * `sizeFactors` (the group's cells in joinid order); the triples may come in any order.
 */
export function mementoEstimatorsForGroup(
  group: { sizeFactors: Float64Array; cellIndex: Int32Array | Uint32Array; feature: Int32Array | Uint32Array; values: Float32Array },
  options: MementoOptions = {},
): GroupEstimators {
  const { sizeFactors, cellIndex, feature: gene, values } = group;
  const n = values.length;
  if (cellIndex.length !== n || gene.length !== n) {
    throw new EstimatorsError(
      "E_LENGTH_MISMATCH",
      `group arrays differ in length: cellIndex ${cellIndex.length}, gene ${gene.length}, values ${n}`,
    );
  }
  // Order the triples by (gene, cell) with an index sort; genes are few per group compared to values.
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => gene[a] - gene[b] || cellIndex[a] - cellIndex[b]);
  const genes: number[] = [];
  for (let i = 0; i < n; i++) if (i === 0 || gene[order[i]] !== gene[order[i - 1]]) genes.push(gene[order[i]]);
  const out = {} as GroupEstimators;
  out.feature = Uint32Array.from(genes);
  for (const name of ESTIMATOR_NAMES) out[name] = new Float64Array(genes.length);
  let start = 0;
  genes.forEach((g, gi) => {
    let end = start;
    while (end < n && gene[order[end]] === g) end++;
    const idx = new Int32Array(end - start);
    const vals = new Float32Array(end - start);
    for (let i = start; i < end; i++) {
      idx[i - start] = cellIndex[order[i]];
      vals[i - start] = values[order[i]];
    }
    const e = mementoEstimators({ sizeFactors, cellIndex: idx, values: vals }, options);
    for (const name of ESTIMATOR_NAMES) out[name][gi] = e[name];
    start = end;
  });
  return out;
}
