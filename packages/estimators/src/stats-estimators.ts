import { EstimatorsError } from "./errors.js";

const f = Math.fround;

/**
 * `mean` and `sem` from the cube's float32 sufficient statistics, with the DE consumer's float32 arithmetic:
 * mean = (sum + 1) / (size_factor + 1); var = sumsq/n - (sum/n)^2 clipped at 0; sem = sqrt(var) sqrt(n) / size_factor.
 */
export function meanSemFromStats(stats: {
  sum: Float32Array;
  sumsq: Float32Array;
  sizeFactor: Float32Array;
  nObs: Float32Array;
}): { mean: Float32Array; sem: Float32Array } {
  const { sum, sumsq, sizeFactor, nObs } = stats;
  const n = sum.length;
  if (sumsq.length !== n || sizeFactor.length !== n || nObs.length !== n) {
    throw new EstimatorsError(
      "E_LENGTH_MISMATCH",
      `statistics differ in length: sum ${n}, sumsq ${sumsq.length}, sizeFactor ${sizeFactor.length}, nObs ${nObs.length}`,
    );
  }
  const mean = new Float32Array(n);
  const sem = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const no = nObs[i];
    mean[i] = f(sum[i] + 1) / f(sizeFactor[i] + 1);
    const m = f(sum[i] / no);
    let v = f(f(sumsq[i] / no) - f(m * m));
    if (v < 0) v = 0;
    sem[i] = f(f(Math.sqrt(v)) * f(Math.sqrt(no))) / sizeFactor[i];
  }
  return { mean, sem };
}
