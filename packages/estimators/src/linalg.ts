/**
 * Small dense linear algebra for the DE regression: the design has one column per dummy variable, so a
 * one-sided Jacobi SVD (accurate, no dependencies) is fast enough and gives minimum-norm solutions for
 * rank-deficient designs like LAPACK's SVD-based solvers do.
 */

/** Row 0 of the pseudo-inverse of the rows × cols matrix `a` (column-major), dropping singular values <= rcond·max. */
export function pinvFirstRow(a: Float64Array, rows: number, cols: number, rcond: number): Float64Array {
  const b = Float64Array.from(a);
  const v = new Float64Array(cols * cols);
  for (let k = 0; k < cols; k++) v[k * cols + k] = 1;
  const eps = 2.220446049250313e-16;
  for (let sweep = 0; sweep < 60; sweep++) {
    let rotated = false;
    for (let i = 0; i < cols - 1; i++) {
      for (let j = i + 1; j < cols; j++) {
        let alpha = 0;
        let beta = 0;
        let gamma = 0;
        const oi = i * rows;
        const oj = j * rows;
        for (let r = 0; r < rows; r++) {
          const x = b[oi + r];
          const y = b[oj + r];
          alpha += x * x;
          beta += y * y;
          gamma += x * y;
        }
        if (gamma === 0 || Math.abs(gamma) <= eps * Math.sqrt(alpha * beta)) continue;
        rotated = true;
        const zeta = (beta - alpha) / (2 * gamma);
        const t = (zeta >= 0 ? 1 : -1) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
        const c = 1 / Math.sqrt(1 + t * t);
        const s = c * t;
        for (let r = 0; r < rows; r++) {
          const x = b[oi + r];
          const y = b[oj + r];
          b[oi + r] = c * x - s * y;
          b[oj + r] = s * x + c * y;
        }
        const vi = i * cols;
        const vj = j * cols;
        for (let r = 0; r < cols; r++) {
          const x = v[vi + r];
          const y = v[vj + r];
          v[vi + r] = c * x - s * y;
          v[vj + r] = s * x + c * y;
        }
      }
    }
    if (!rotated) break;
  }
  // b = U Σ and v = V, column k each; pinv = V Σ^-2 (U Σ)^T.
  const sigma2 = new Float64Array(cols);
  let smax = 0;
  for (let k = 0; k < cols; k++) {
    let s = 0;
    for (let r = 0; r < rows; r++) s += b[k * rows + r] * b[k * rows + r];
    sigma2[k] = s;
    smax = Math.max(smax, Math.sqrt(s));
  }
  const cutoff = rcond * smax;
  const out = new Float64Array(rows);
  for (let k = 0; k < cols; k++) {
    if (!(Math.sqrt(sigma2[k]) > cutoff)) continue;
    const w = v[k * cols] / sigma2[k];
    for (let r = 0; r < rows; r++) out[r] += w * b[k * rows + r];
  }
  return out;
}
